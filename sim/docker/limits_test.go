package docker_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
)

// TestContainerLimit: ten thousand docker run attempts fill the host up to
// its container limit, then each further one fails with the limit's message
// and changes nothing.
func TestContainerLimit(t *testing.T) {
	c := newConsole(t, 1, "", nil)
	ctx := context.Background()
	limit := sim.DefaultLimits().Containers
	refused := 0
	for i := 0; i < 10000; i++ {
		r := c.Run(ctx, "docker run -d alpine sleep infinity")
		if r.Exit == 0 {
			continue
		}
		refused++
		if !strings.Contains(r.Output, "too many containers") || !strings.Contains(r.Output, sim.ErrLimit.Error()) {
			t.Fatalf("attempt %d: %q, want the container limit's message", i, r.Output)
		}
	}
	if want := 10000 - limit; refused != want {
		t.Errorf("%d attempts refused, want %d", refused, want)
	}
	if n := len(c.Engine().Containers()); n != limit {
		t.Errorf("%d containers, want the limit %d", n, limit)
	}
	if r := c.Run(ctx, "docker ps -q"); strings.Count(r.Output, "\n") != limit {
		t.Errorf("docker ps -q lists %d lines, want %d", strings.Count(r.Output, "\n"), limit)
	}
}

// TestBadInput: each line fails with a clear message and the console keeps
// working.
func TestBadInput(t *testing.T) {
	c := newConsole(t, 1, "", nil)
	ctx := context.Background()
	c.Run(ctx, "docker run -d --name a alpine sleep infinity")
	for _, tc := range []struct{ line, want string }{
		// sizes
		{"docker exec a echo " + strings.Repeat("x", 5000), "the console takes at most 4096"},
		{"docker exec a sh -c \"while true; do :; done\"", "budget"},
		// unknown things
		{"docker run --nope alpine", "unknown flag: --nope"},
		{"docker run nosuchimage", "pull access denied for nosuchimage"},
		{"docker exec nobody ls", "No such container: nobody"},
		{"docker rmi nosuch", "No such image: nosuch:latest"},
		{"docker volume rm nosuch", "no such volume"},
		{"docker kill -s NOPE a", "invalid signal: NOPE"},
		{"docker run -v relative:data alpine true", "mount path must be absolute"},
		{"docker run -p 99999:80 alpine true", "invalid hostPort: 99999"},
		{"docker tag alpine Bad:Tag", "must be lowercase"},
		{"docker inspect -f \"{{.Nope\" a", "template parsing error"},
		{"docker run alpine sh -c \"echo \\\"unclosed\"", ""},
		{"ls -l", "command not found"},
		// names
		{"docker run --name a alpine true", "is already in use"},
	} {
		r := c.Run(ctx, tc.line)
		if tc.want != "" && !strings.Contains(r.Output, tc.want) {
			t.Errorf("%.60s: got %q, want it to mention %q", tc.line, r.Output, tc.want)
		}
	}
	if r := c.Run(ctx, "docker exec a echo still here"); r.Output != "still here\n" {
		t.Errorf("after bad input the console printed %q", r.Output)
	}
}

// FuzzConsole: no line, however odd, panics the console or breaks replay.
func FuzzConsole(f *testing.F) {
	scripts, _ := filepath.Glob(filepath.Join(transcripts, "*.play"))
	for _, s := range scripts {
		fh, err := os.Open(s)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(line, "build") {
				f.Add(line)
			}
		}
		fh.Close()
	}
	f.Add("docker run -it alpine sh")
	f.Add("docker ps --format '{{range .}}{{end}}'")
	f.Add("docker network create n")
	f.Add("docker network connect bridge a")
	f.Add("docker stats --no-stream --format '{{json .}}'")
	f.Add("docker version --format '{{json .}}'")
	f.Add("docker info --format '{{.Containers}}'")
	f.Add("docker inspect -f '{{range $k, $v := .Config}}{{$k}}{{end}}' a")
	f.Add("docker images --filter reference=* --filter dangling=false")
	f.Add("docker ps --filter name=^/a --filter status=running")
	f.Add("docker system prune -af --volumes")
	f.Add("docker image prune -af")
	f.Add("docker top a")
	f.Add("docker port a 80/tcp")
	f.Add("docker attach a")
	f.Add("docker pull alpine@sha256:8cbc6893e52fd6c15afc27f78e91200a84e4130552b2c457dafdcca75317154c")
	f.Add("docker push -a learner/x")
	// substitutions have no shell to run in on the console line; inside a
	// container they are refused or run in the sandbox
	f.Add("docker run --rm alpine echo <(ls)")
	f.Add("docker run --rm alpine echo >(cat) $(ls) `ls`")
	f.Add(`docker run --rm debian bash -c 'cat <(ls); x=PPID; echo ${!x} $((x))'`)
	f.Add(`docker exec a sh -c '__layerlab_exec echo hi; x=__layerlab_test; $x -O /'`)
	f.Add(`docker run --rm debian bash -c 'declare -n r=PPID; echo $r; eval "echo a | cat"'`)
	f.Fuzz(func(t *testing.T, line string) {
		c := newConsole(t, 1, "", nil)
		ctx := context.Background()
		c.Run(ctx, "docker run -d --name a -v v:/data alpine sleep infinity")
		r := c.Run(ctx, line)
		if len(r.Output) > sim.DefaultLimits().OutputBytes+200 {
			t.Fatalf("output of %d bytes passed the limit", len(r.Output))
		}
		c.Run(ctx, line)
		var st strings.Builder
		if err := c.DumpState(&st); err != nil && !errors.Is(err, sim.ErrLimit) {
			t.Fatalf("state dump after %q: %v", line, err)
		}
	})
}

// TestLocalDirLimit: docker cp and docker save stop at the local
// directory's limit, say so, and leave nothing half written.
func TestLocalDirLimit(t *testing.T) {
	c := newConsole(t, 1, "", nil)
	ctx := context.Background()
	c.Run(ctx, "docker run -d --name a alpine sleep infinity")
	c.Run(ctx, "docker exec a sh -c 'mkdir /big; for i in 1 2 3 4 5 6 7 8; do echo 0123456789012345678901234567890123456789 > /big/f$i; done'")
	docker.SetLocalLimit(c, 200)
	r := c.Run(ctx, "docker cp a:/big .")
	if r.Exit == 0 || !strings.Contains(r.Output, "keeps at most 200B") {
		t.Errorf("cp past the limit: %d %q", r.Exit, r.Output)
	}
	if _, err := c.LocalFile("big/f1"); err == nil {
		t.Error("a refused copy left files behind")
	}
	if r := c.Run(ctx, "docker cp a:/big/f1 ."); r.Exit != 0 {
		t.Errorf("cp under the limit: %q", r.Output)
	}
	r = c.Run(ctx, "docker save -o a.tar alpine")
	if r.Exit == 0 || !strings.Contains(r.Output, "that tar would pass it") {
		t.Errorf("save past the limit: %d %q", r.Exit, r.Output)
	}
	if _, err := c.LocalFile("a.tar"); err == nil {
		t.Error("a refused save left a tar behind")
	}
}
