# layerlab — the two commands that matter are `make run` and `make test`.

GO       ?= go
PKGS     := ./...
TEST_TOOLS ?= chromium skopeo umoci
APT_NAMES ?=
BENCHTIME ?= 1x

DOCKER_IMAGE ?= layerlab:latest

.PHONY: test-race fuzz-smoke run test generate check-generated fmt lint test-tools bench build clean screenshots realcheck realcheck-tools docker-image docker-test debian-index cluster-test compose-up

## run: serve layerlab on http://127.0.0.1:8080 with its SQLite file ./layerlab.db
run:
	$(GO) run ./cmd/layerlab serve

## build: the one binary, into ./bin/layerlab
build:
	$(GO) build -o bin/layerlab ./cmd/layerlab

## test: install missing test tools, check generated code and the rules, run every test,
## the web and storage tests again under the race detector, and a short run of every fuzz target
test: test-tools check-generated lint
	$(GO) run ./cmd/layerlab lessons check lessons
	$(GO) test -count=1 -timeout 12m $(PKGS)
	$(MAKE) test-race fuzz-smoke

## test-race: the web server and its stores under the race detector
RACE_PKGS ?= ./web/...
test-race:
	$(GO) test -race -short -count=1 -timeout 12m $(RACE_PKGS)

## fuzz-smoke: every fuzz target for FUZZTIME (found by name in the *_test.go files)
FUZZTIME ?= 3s
fuzz-smoke:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		dir=$$(dirname $$f); \
		for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "fuzz $$dir $$name"; \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) ./$$dir >/dev/null || { echo "fuzz target $$name in $$dir failed; see its testdata/fuzz"; exit 1; }; \
		done; \
	done

## generate: regenerate templ components
generate:
	$(GO) tool templ generate

## check-generated: regenerating the templ components must change nothing
check-generated:
	@$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }
	@if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then \
		changed=$$(git status --porcelain -- '*_templ.go'); \
		if [ -n "$$changed" ]; then echo "generated templ files are stale; run 'make generate' and commit:"; echo "$$changed"; exit 1; fi; \
	fi

## debian-index: regenerate apt's catalog from Debian bookworm's real index
## (needs apt-get update and apt-file update on a bookworm machine)
APT_LISTS := /var/lib/apt/lists
debian-index:
	$(GO) run ./sim/pkg/gendeb -o sim/pkg/data/debian-bookworm.idx.gz \
		-packages $(APT_LISTS)/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4 \
		-packages $(APT_LISTS)/deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4 \
		-packages $(APT_LISTS)/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4 \
		-contents $(APT_LISTS)/deb.debian.org_debian_dists_bookworm_main_Contents-amd64.lz4 \
		-contents $(APT_LISTS)/deb.debian.org_debian_dists_bookworm_main_Contents-all.lz4

## fmt: format the Go code
fmt:
	gofmt -w $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')

## lint: gofmt, go mod tidy, go vet, staticcheck (fetched through the module proxy at a
## pinned version), and the rule that sim/ imports no web or storage package.
## ST1005 is off: the simulator's errors repeat Docker's and the shells' own
## messages word for word, capitals and all.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy; run go mod tidy:"; $(GO) mod tidy -diff; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) -checks inherit,-ST1005 $(PKGS)
	@bad=$$($(GO) list -deps ./sim/... | grep -E 'labstack|a-h/templ|gorilla|modernc|^net/http$$' || true); \
	if [ -n "$$bad" ]; then echo "sim/ must not depend on: $$bad"; exit 1; fi; \
	echo "sim/ imports no web or storage package"

## test-tools: install Chromium, skopeo and umoci with apt-get when they are missing
test-tools:
	@missing=""; \
	for t in $(TEST_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ -n "$(APT_NAMES)" ]; then missing=" $(APT_NAMES)"; fi; \
	echo "installing test tools:$$missing"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
		{ echo "apt-get could not install:$$missing"; exit 1; }; \
	elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
		{ echo "apt-get could not install:$$missing"; exit 1; }; \
	else \
		echo "missing test tools:$$missing"; \
		echo "install them with your package manager (Debian: apt-get install$$missing) and run make test again"; \
		exit 1; \
	fi

## realcheck: run every cmd/layerlab/testdata/realcheck script on a real Docker
## engine and on layerlab and compare them line by line (slow: a few minutes;
## needs root, dockerd and the docker CLI; makes busybox and Debian base images)
realcheck: realcheck-tools
	@command -v docker >/dev/null 2>&1 || { echo "realcheck: no docker CLI here; it compares layerlab with a real Docker engine (on Debian, install the Docker engine package)"; exit 1; }
	LAYERLAB_REALCHECK=1 $(GO) test -count=1 -timeout 40m -run '^TestRealcheck$$' -v ./cmd/layerlab

## realcheck-tools: busybox-static and debootstrap build the base images
realcheck-tools:
	@$(MAKE) --no-print-directory test-tools TEST_TOOLS="busybox debootstrap" APT_NAMES="busybox-static debootstrap"

## bench: the budgets of docs/performance.md
bench:
	ulimit -n 16384 2>/dev/null; $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./sim/... ./web/...
	$(GO) test -run '^$$' -bench AnswerNodes -benchtime $(BENCHTIME) ./cmd/layerlab

## screenshots: refresh the screenshots in docs/: the playground and a lesson with its goal at 1440, 1024 and 360 px, light and dark, and a lesson in Spanish
screenshots: test-tools
	LAYERLAB_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run 'TestBrowserScreenshots|TestBrowserSwitchLanguage' ./web

## docker-image: layerlab's own image, FROM scratch: the static binary is built here first, so no base image is pulled
docker-image:
	mkdir -p bin/image/data
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o bin/image/layerlab ./cmd/layerlab
	printf 'root:x:0:0::/:/nonexistent\nlayerlab:x:10001:10001::/data:/nonexistent\n' > bin/image/passwd
	printf 'root:x:0:\nlayerlab:x:10001:\n' > bin/image/group
	docker build -t $(DOCKER_IMAGE) .

## docker-test: build the image, run it, and probe /healthz, /metrics and its HEALTHCHECK
docker-test:
	.ci/docker-test

## compose-up: build the image and start two nodes, PostgreSQL and HAProxy (compose.yaml) on :8080
compose-up: docker-image
	if docker compose version >/dev/null 2>&1; then docker compose up -d; else docker-compose up -d; fi

## cluster-test: three nodes and PostgreSQL behind HAProxy on loopback; kill -9 a node and restart PostgreSQL mid-load
cluster-test:
	@command -v haproxy >/dev/null || $(MAKE) --no-print-directory test-tools TEST_TOOLS=haproxy
	LAYERLAB_CLUSTER_TEST=1 $(GO) test -count=1 -timeout 5m -run '^TestCluster$$' -v ./cmd/layerlab

clean:
	rm -rf bin
