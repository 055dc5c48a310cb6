package pkg

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// The catalogs are immutable, so the tests share one load of each.
var fixtures = sync.OnceValues(func() (catalogs, error) {
	b, err := base.Load()
	if err != nil {
		return catalogs{}, err
	}
	c, err := Load()
	return catalogs{b, c}, err
})

type catalogs struct {
	images *base.Catalog
	pkgs   *Catalog
}

func loadFixtures(t testing.TB) catalogs {
	t.Helper()
	c, err := fixtures()
	if err != nil {
		t.Fatalf("loading catalogs: %v", err)
	}
	return c
}

// box is a container: an overlay on a base image, and a clock.
type box struct {
	t     testing.TB
	img   *base.Image
	fs    *union.Overlay
	cat   *Catalog
	clock time.Time
}

func newBox(t testing.TB, ref string) *box {
	t.Helper()
	cats := loadFixtures(t)
	images, cat := cats.images, cats.pkgs
	img, ok := images.Lookup(ref)
	if !ok {
		t.Fatalf("no base image %s", ref)
	}
	return &box{t: t, img: img, cat: cat, fs: union.NewOverlay(union.New(img.Layers...), union.Hooks{}),
		clock: time.Date(2024, 9, 23, 10, 0, 0, 0, time.UTC)}
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs one program as root in dir, with stdin.
func (b *box) run(dir, stdin string, args ...string) result {
	b.t.Helper()
	prog := b.cat.Programs()[args[0]]
	if prog == nil {
		b.t.Fatalf("no program %s", args[0])
	}
	env := map[string]string{"HOME": "/root"}
	for _, kv := range b.img.Config.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	var out, errOut bytes.Buffer
	p := &shell.Proc{
		Args: args, Dir: dir, Env: env,
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		FS:    b.fs,
		Now:   func() time.Time { return b.clock },
		Sleep: func(d time.Duration) { b.clock = b.clock.Add(d) },
	}
	code := prog(context.Background(), p)
	return result{code, out.String(), errOut.String()}
}

func (b *box) write(name, content string) {
	b.t.Helper()
	if err := b.fs.MkdirAll(name[:strings.LastIndex(name, "/")+1], 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := b.fs.WriteFile(name, []byte(content), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *box) exists(name string) bool {
	_, err := b.fs.Lstat(name)
	return err == nil
}

func TestPackageManagers(t *testing.T) {
	type step struct {
		args   []string
		stdin  string
		code   int
		stdout []string // substrings that must appear
		stderr []string
	}
	for _, tc := range []struct {
		name    string
		image   string
		dir     string
		files   map[string]string
		steps   []step
		present []string
		absent  []string
		minSize int64 // of the writable layer, bytes
		maxSize int64 // 0: no limit
		empty   bool  // the writable layer must have no changes
	}{
		// apt: the classic mistake, then the right way
		{name: "apt install without update", image: "debian:bookworm",
			steps:  []step{{args: []string{"apt-get", "install", "-y", "curl"}, code: 100, stdout: []string{"Reading package lists...", "Building dependency tree..."}, stderr: []string{"E: Unable to locate package curl"}}},
			absent: []string{"/usr/bin/curl"}, empty: true},
		{name: "apt update and install", image: "debian:bookworm-slim",
			steps: []step{
				{args: []string{"apt-get", "update"}, stdout: []string{"Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]", "bookworm/main amd64 Packages [8788 kB]", "Fetched ", "Reading package lists..."}},
				{args: []string{"apt-get", "install", "-y", "--no-install-recommends", "curl"}, stdout: []string{"The following additional packages will be installed:", "The following NEW packages will be installed:", "newly installed, 0 to remove and 0 not upgraded.", "Need to get ", "After this operation, ", "Get:1 http://deb.debian.org/debian bookworm/main amd64 ", "Setting up curl (7.88.1-10+deb12u15) ...", "Processing triggers for libc-bin"}},
				{args: []string{"dpkg", "-l", "curl"}, stdout: []string{"ii  curl ", "7.88.1-10+deb12u15"}},
				{args: []string{"apt-get", "install", "-y", "curl"}, stdout: []string{"curl is already the newest version (7.88.1-10+deb12u15).", "0 upgraded, 0 newly installed"}},
			},
			present: []string{"/usr/bin/curl", "/usr/lib/x86_64-linux-gnu/libcurl.so.4", "/usr/share/doc/curl/copyright", "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", "/var/lib/dpkg/info/curl.list"},
			minSize: 25e6, maxSize: 40e6},
		{name: "apt install asks and aborts", image: "debian:bookworm-slim",
			steps: []step{
				{args: []string{"apt-get", "update", "-qq"}},
				{args: []string{"apt-get", "install", "curl"}, code: 1, stdout: []string{"Do you want to continue? [Y/n] Abort."}},
			},
			absent: []string{"/usr/bin/curl"}},
		{name: "apt install answered yes", image: "debian:bookworm-slim",
			steps: []step{
				{args: []string{"apt-get", "update"}},
				{args: []string{"apt-get", "install", "curl"}, stdin: "y\n", stdout: []string{"Do you want to continue? [Y/n] ", "Setting up curl"}},
			},
			present: []string{"/usr/bin/curl"}},
		{name: "apt cleans in the same layer", image: "debian:bookworm",
			steps: []step{
				{args: []string{"apt-get", "update"}},
				{args: []string{"apt-get", "install", "-y", "tree"}},
				{args: []string{"apt-get", "clean"}},
			},
			present: []string{"/usr/bin/tree"}, minSize: 18e6},
		{name: "apt on ubuntu", image: "ubuntu:24.04",
			steps: []step{
				{args: []string{"apt", "update"}, stderr: []string{"WARNING: apt does not have a stable CLI interface."}, stdout: []string{"http://archive.ubuntu.com/ubuntu noble InRelease", "All packages are up to date."}},
				{args: []string{"apt", "install", "-y", "curl"}, stdout: []string{"Setting up curl (8.5.0-2ubuntu10.4) ..."}},
			},
			present: []string{"/usr/bin/curl"}, minSize: 40e6},
		{name: "apt usage errors", image: "debian:bookworm",
			steps: []step{
				{args: []string{"apt-get", "frobnicate"}, code: 100, stderr: []string{"E: Invalid operation frobnicate"}},
				{args: []string{"apt-get", "--bogus", "update"}, code: 100, stderr: []string{"E: Command line option --bogus is not understood"}},
				{args: []string{"apt-get", "-Z"}, code: 100, stderr: []string{"E: Command line option 'Z' [from -Z]"}},
				{args: []string{"apt-get"}, code: 1, stdout: []string{"Usage: apt-get [options] command"}},
				{args: []string{"dpkg"}, code: 2, stderr: []string{"dpkg: error: need an action option"}},
				{args: []string{"dpkg", "-s", "nosuch"}, code: 1, stderr: []string{"package 'nosuch' is not installed"}},
			}},
		// apk
		{name: "apk add", image: "alpine:3.20",
			steps:   []step{{args: []string{"apk", "add", "curl"}, stdout: []string{"fetch https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz", "Installing curl (8.10.1-r0)", "Executing busybox-1.36.1-r29.trigger", "OK: ", " MiB in 25 packages"}}},
			present: []string{"/usr/bin/curl", "/usr/lib/libcurl.so.4.8.0"}, minSize: 4e6},
		{name: "apk add --no-cache leaves no index", image: "alpine:3.20",
			steps: []step{
				{args: []string{"apk", "add", "--no-cache", "bash"}, stdout: []string{"Installing bash (5.2.26-r0)"}},
				{args: []string{"apk", "add", "--no-cache", "nosuch"}, code: 1, stderr: []string{"ERROR: unable to select packages:", "nosuch (no such package):", "required by: world[nosuch]"}},
			},
			present: []string{"/bin/bash"}, maxSize: 3e6},
		{name: "apk virtual build deps come and go", image: "alpine:3.19",
			steps: []step{
				{args: []string{"apk", "update"}, stdout: []string{"v3.19.4-", "OK: 23068 distinct packages available"}},
				{args: []string{"apk", "add", "--virtual", ".build-deps", "jq"}, stdout: []string{"Installing .build-deps (20240923.100000)"}},
				{args: []string{"apk", "del", ".build-deps"}, stdout: []string{"Purging .build-deps", "Purging jq"}},
			},
			absent: []string{"/usr/bin/jq"}},
		// pip
		{name: "pip install -r", image: "python:3.12-slim", dir: "/app",
			files: map[string]string{"/app/requirements.txt": "flask==3.0.3\ngunicorn==23.0.0  # the server\n"},
			steps: []step{{args: []string{"pip", "install", "-r", "requirements.txt"},
				stdout: []string{"Collecting flask==3.0.3 (from -r requirements.txt (line 1))\n  Downloading flask-3.0.3-py3-none-any.whl.metadata (3.2 kB)",
					"Collecting Werkzeug>=3.0.0 (from flask==3.0.3->-r requirements.txt (line 1))",
					"Collecting MarkupSafe>=2.1.1 (from Werkzeug>=3.0.0->flask==3.0.3->-r requirements.txt (line 1))",
					"MarkupSafe-2.1.5-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
					"Downloading flask-3.0.3-py3-none-any.whl (101 kB)",
					"Installing collected packages: ",
					"Successfully installed Jinja2-3.1.4 MarkupSafe-2.1.5 Werkzeug-3.0.4 blinker-1.8.2 click-8.1.7 flask-3.0.3 gunicorn-23.0.0 itsdangerous-2.2.0 packaging-24.1\n"},
				stderr: []string{"WARNING: Running pip as the 'root' user"}}},
			present: []string{"/usr/local/lib/python3.12/site-packages/flask/__init__.py", "/usr/local/lib/python3.12/site-packages/flask-3.0.3.dist-info/METADATA", "/usr/local/bin/flask", "/usr/local/bin/gunicorn", "/root/.cache/pip/http-v2"},
			minSize: 2e6, maxSize: 5e6},
		{name: "pip --no-cache-dir", image: "python:3.12", dir: "/",
			steps: []step{
				{args: []string{"pip3", "install", "--no-cache-dir", "requests"}, stdout: []string{"Collecting requests\n", "Collecting urllib3<3,>=1.21.1 (from requests)", "Successfully installed certifi-2024.8.30 charset-normalizer-3.3.2 idna-3.8 requests-2.32.3 urllib3-2.2.2"}},
				{args: []string{"pip", "install", "requests"}, stdout: []string{"Requirement already satisfied: requests in /usr/local/lib/python3.12/site-packages (2.32.3)"}},
				{args: []string{"pip", "freeze"}, stdout: []string{"requests==2.32.3\n"}},
			},
			absent: []string{"/root/.cache/pip"}},
		{name: "pip errors", image: "python:3.12-slim", dir: "/app",
			steps: []step{
				{args: []string{"pip", "install", "-r", "requirements.txt"}, code: 1, stderr: []string{"ERROR: Could not open requirements file: [Errno 2] No such file or directory: 'requirements.txt'"}},
				{args: []string{"pip", "install", "nosuchpkg"}, code: 1, stderr: []string{"ERROR: Could not find a version that satisfies the requirement nosuchpkg (from versions: none)", "ERROR: No matching distribution found for nosuchpkg"}},
				{args: []string{"pip", "install", "flask==9.9"}, code: 1, stderr: []string{"(from versions: 2.2.5, 2.3.3, 3.0.0, 3.0.1, 3.0.2, 3.0.3)"}},
				{args: []string{"pip", "frobnicate"}, code: 1, stderr: []string{`ERROR: unknown command "frobnicate"`}},
				{args: []string{"pip", "install", "--bogus"}, code: 2, stderr: []string{"no such option: --bogus"}},
				{args: []string{"pip", "--version"}, stdout: []string{"pip 24.2 from /usr/local/lib/python3.12/site-packages/pip (python 3.12)"}},
			}},
		{name: "pip on alpine uses musl wheels", image: "python:3.12-alpine", dir: "/",
			steps:   []step{{args: []string{"pip", "install", "markupsafe"}, stdout: []string{"MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl"}}},
			present: []string{"/usr/local/lib/python3.12/site-packages/markupsafe/__init__.py"}},
		{name: "debian's pip is externally managed", image: "debian:bookworm-slim",
			steps: []step{
				{args: []string{"apt-get", "update"}},
				{args: []string{"apt-get", "install", "-y", "python3-pip"}},
				{args: []string{"pip", "install", "flask"}, code: 1, stderr: []string{"error: externally-managed-environment"}},
			}},
		// npm
		{name: "npm install", image: "node:20", dir: "/app",
			files: map[string]string{"/app/package.json": `{"name": "shelf", "version": "1.0.0", "dependencies": {"express": "^4.21.0"}}`},
			steps: []step{
				{args: []string{"npm", "install"}, stdout: []string{"\nadded 63 packages, and audited 64 packages in ", "packages are looking for funding", "found 0 vulnerabilities"}},
				{args: []string{"npm", "ci"}, stdout: []string{"added 63 packages"}},
			},
			present: []string{"/app/node_modules/express/package.json", "/app/node_modules/mime-db/index.js", "/app/package-lock.json", "/root/.npm/_cacache", "/root/.npm/_logs"},
			minSize: 1e6, maxSize: 4e6},
		{name: "npm errors", image: "node:20-alpine", dir: "/app",
			files: map[string]string{"/app/package.json": `{"name": "shelf"}`},
			steps: []step{
				{args: []string{"npm", "ci"}, code: 1, stderr: []string{"npm error code EUSAGE", "The `npm ci` command can only install with an existing package-lock.json"}},
				{args: []string{"npm", "install", "nosuchpkg"}, code: 1, stderr: []string{"npm error 404 Not Found - GET https://registry.npmjs.org/nosuchpkg"}},
				{args: []string{"npm", "start"}, code: 1, stderr: []string{`npm error Missing script: "start"`}},
				{args: []string{"npm", "frobnicate"}, code: 1, stderr: []string{`Unknown command: "frobnicate"`}},
				{args: []string{"npm", "--version"}, stdout: []string{"10.8.2\n"}},
			}},
		// go
		{name: "go build", image: "golang:1.23", dir: "/src",
			files: map[string]string{
				"/src/go.mod":  "module example.com/shelf\n\ngo 1.23\n\nrequire github.com/gorilla/mux v1.8.1\n",
				"/src/main.go": "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() { fmt.Println(http.StatusOK) }\n",
			},
			steps: []step{
				{args: []string{"go", "version"}, stdout: []string{"go version go1.23.1 linux/amd64\n"}},
				{args: []string{"go", "mod", "download"}},
				{args: []string{"go", "build", "-o", "/usr/local/bin/shelf", "."}},
				{args: []string{"go", "build", "./nosuchdir"}, code: 1, stderr: []string{"no Go files in /src/nosuchdir"}},
				{args: []string{"go", "frobnicate"}, code: 2, stderr: []string{"go frobnicate: unknown command"}},
			},
			present: []string{"/usr/local/bin/shelf", "/go/pkg/mod/cache/download/github.com/gorilla/mux/@v/v1.8.1.zip", "/go/pkg/mod/github.com/gorilla/mux@v1.8.1/go.mod", "/root/.cache/go-build/README"},
			minSize: 7e6, maxSize: 12e6},
		{name: "go without go.mod", image: "golang:1.22", dir: "/go",
			steps: []step{{args: []string{"go", "build"}, code: 1, stderr: []string{"go: go.mod file not found in current directory or any parent directory"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBox(t, tc.image)
			for name, content := range tc.files {
				b.write(name, content)
			}
			dir := tc.dir
			if dir == "" {
				dir = "/"
			}
			for _, s := range tc.steps {
				r := b.run(dir, s.stdin, s.args...)
				if r.code != s.code {
					t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", s.args, r.code, s.code, r.stdout, r.stderr)
				}
				for _, want := range s.stdout {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("%v: stdout lacks %q:\n%s", s.args, want, r.stdout)
					}
				}
				for _, want := range s.stderr {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("%v: stderr lacks %q:\n%s", s.args, want, r.stderr)
					}
				}
			}
			for _, p := range tc.present {
				if !b.exists(p) {
					t.Errorf("%s is missing", p)
				}
			}
			for _, p := range tc.absent {
				if b.exists(p) {
					t.Errorf("%s should not exist", p)
				}
			}
			size := b.fs.Size()
			if tc.empty && !b.fs.Empty() {
				t.Errorf("writable layer changed: %v", b.fs.Changes())
			}
			if size < tc.minSize || (tc.maxSize > 0 && size > tc.maxSize) {
				t.Errorf("writable layer is %d bytes, want between %d and %d", size, tc.minSize, tc.maxSize)
			}
		})
	}
}

// The same commands on the same image give the same layer, byte for byte.
func TestDeterministicLayers(t *testing.T) {
	diff := func() string {
		b := newBox(t, "python:3.12-slim")
		b.write("/app/requirements.txt", "flask\nrequests\n")
		for _, args := range [][]string{
			{"apt-get", "update"},
			{"apt-get", "install", "-y", "curl"},
			{"pip", "install", "-r", "requirements.txt"},
		} {
			if r := b.run("/app", "", args...); r.code != 0 {
				t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
			}
		}
		l, err := b.fs.Diff()
		if err != nil {
			t.Fatal(err)
		}
		return l.DiffID().String()
	}
	if a, b := diff(), diff(); a != b {
		t.Errorf("two identical runs gave layers %s and %s", a, b)
	}
}

// Odd arguments get a usage error, never a panic.
func TestOddArguments(t *testing.T) {
	b := newBox(t, "python:3.12")
	odd := [][]string{{}, {""}, {"-"}, {"--"}, {"-o"}, {"install", "-r"}, {"install", "=="}, {"install", "@"}, {"install", "a@b@c"},
		{"add", "--virtual"}, {"mod"}, {"build", "-o"}, {"-l", "["}, {"install", "curl=1"}, {"run"}, {"env", "NOPE"}}
	for name := range b.cat.Programs() {
		for _, args := range odd {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s %q panicked: %v", name, args, r)
					}
				}()
				b.run("/", "", append([]string{name}, args...)...)
			}()
		}
	}
}

func TestCatalog(t *testing.T) {
	c := loadFixtures(t).pkgs
	for _, tc := range []struct{ name, data, want string }{
		{"unknown block", "thing\nend\n", "unknown block"},
		{"no end", "pypi\npkg a 1 py3 1 1 1\n", "has no end"},
		{"missing dep", "apt x\npkg a 1 all 1 1 b ; a\nend\n", "depends on unknown b"},
		{"bad size", "npm\npkg a 1 lots 1\nend\n", "bad size"},
		{"file outside", "gomod\nf a 1\nend\n", "file line outside a package"},
		{"stray line", "npm\nmirror x y\nend\n", "unexpected"},
	} {
		cat := &Catalog{apt: map[string]*aptDist{}, apk: map[string]*apkDist{}, pypi: map[string]*pyPkg{}, npm: map[string]*npmPkg{}, gomod: map[string]*goMod{}}
		if err := cat.parse("t.txt", tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if len(c.pypi) < 30 || len(c.npm) < 60 || len(c.apt["bookworm"].pkgs) < 80 || len(c.apk["3.20"].pkgs) < 40 {
		t.Errorf("catalog looks thin: %d pypi, %d npm, %d bookworm, %d alpine", len(c.pypi), len(c.npm), len(c.apt["bookworm"].pkgs), len(c.apk["3.20"].pkgs))
	}
	for _, tc := range []struct {
		n    int64
		want string
	}{{2468, "2468 B"}, {55400, "55.4 kB"}, {151000, "151 kB"}, {8788000, "8788 kB"}, {35800000, "35.8 MB"}} {
		if got := aptSize(tc.n); got != tc.want {
			t.Errorf("aptSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPipInstallFlask(b *testing.B) {
	for b.Loop() {
		bx := newBox(b, "python:3.12")
		if r := bx.run("/", "", "pip", "install", "flask"); r.code != 0 {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
}
