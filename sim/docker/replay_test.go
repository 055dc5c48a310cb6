package docker_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim/docker"
)

// randomSession draws n plausible console lines from a small grammar: the
// commands a learner types, on a few names, images and volumes, in any order.
func randomSession(r *rand.Rand, n int) []string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	name := func() string { return pick("a", "b", "c") }
	img := func() string { return pick("alpine", "busybox", "pageturn", "snap") }
	gens := []func() string{
		func() string { return "docker build -q -t pageturn ." },
		func() string { return fmt.Sprintf("docker run -d --name %s %s sleep infinity", name(), img()) },
		func() string { return fmt.Sprintf("docker run --rm %s echo hi", img()) },
		func() string {
			return fmt.Sprintf("docker run -d --name %s -v vol:/data %s sleep infinity", name(), img())
		},
		func() string {
			return fmt.Sprintf("docker run -d --restart on-failure:2 --name %s alpine sh -c \"exit 1\"", name())
		},
		func() string { return fmt.Sprintf("docker exec %s sh -c \"echo x >> /data/f\"", name()) },
		func() string {
			return fmt.Sprintf("docker exec %s sh -c \"echo x > /etc/motd; rm -f /etc/hostname\"", name())
		},
		func() string {
			return fmt.Sprintf("docker %s %s", pick("stop", "kill", "start", "restart", "pause", "unpause", "rm -f", "diff", "logs", "wait"), name())
		},
		func() string { return fmt.Sprintf("docker commit %s snap", name()) },
		func() string { return fmt.Sprintf("docker rmi %s", pick("snap", "alpine", "-f snap")) },
		func() string { return fmt.Sprintf("docker tag %s learner/t:1", img()) },
		func() string { return "docker push learner/t:1" },
		func() string { return "docker pull learner/t:1" },
		func() string { return fmt.Sprintf("docker context use %s", pick("laptop", "server")) },
		func() string { return pick("docker volume rm vol", "docker volume prune -f", "docker volume ls") },
		func() string { return pick("docker ps -a -s", "docker images", "docker system df -v", "docker ps -q") },
		func() string { return fmt.Sprintf("docker inspect -f \"{{.State.Status}}\" %s", name()) },
		func() string { return pick("docker run --bogus alpine", "docker frob", "docker rm", "docker exec") },
	}
	out := make([]string, n)
	for i := range out {
		out[i] = gens[r.IntN(len(gens))]()
	}
	return out
}

// play runs lines into a new console and returns everything it printed and
// its state dump.
func play(t *testing.T, seed uint64, lines []string) (output, state string, c *docker.Console) {
	t.Helper()
	c = newConsole(t, seed, filepath.Join(transcripts, "pageturn.context"), nil)
	var out bytes.Buffer
	for _, r := range docker.Replay(context.Background(), c, lines) {
		fmt.Fprintf(&out, "%s[%d]\n", r.Output, r.Exit)
	}
	var st bytes.Buffer
	if err := c.DumpState(&st); err != nil {
		t.Fatal(err)
	}
	return out.String(), st.String(), c
}

// TestReplayIsExact: random sessions replayed from their log give the same
// output and the same state, byte for byte.
func TestReplayIsExact(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		lines := randomSession(rand.New(rand.NewPCG(seed, 7)), 40)
		out1, st1, c := play(t, seed, lines)
		if got := c.Log(); strings.Join(got, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("seed %d: the console's log is not the lines it ran", seed)
		}
		out2, st2, _ := play(t, seed, c.Log())
		if out1 != out2 {
			t.Errorf("seed %d: replayed output differs\n%s", seed, lineDiff(out1, out2))
		}
		if st1 != st2 {
			t.Errorf("seed %d: replayed state differs\n%s", seed, lineDiff(st1, st2))
		}
		if !strings.Contains(st1, "host laptop") || !strings.Contains(st1, "host server") {
			t.Fatalf("seed %d: the state dump misses a host:\n%s", seed, st1)
		}
	}
}

// TestUndo: undo is the log minus its last line, and it really forgets that
// line's effect.
func TestUndo(t *testing.T) {
	lines := []string{"docker run -d --name a alpine sleep infinity", "docker exec a touch /gone"}
	_, want, _ := play(t, 3, lines[:1])
	_, after, full := play(t, 3, lines)
	if after == want {
		t.Fatal("the exec changed nothing in the state dump, so undo could not be checked")
	}
	fresh := newConsole(t, 3, filepath.Join(transcripts, "pageturn.context"), nil)
	log := docker.Undo(context.Background(), fresh, full.Log())
	if len(log) != 1 {
		t.Fatalf("undo left %d lines, want 1", len(log))
	}
	var got bytes.Buffer
	if err := fresh.DumpState(&got); err != nil {
		t.Fatal(err)
	}
	if got.String() != want {
		t.Errorf("state after undo differs from the state before the last command\n%s", lineDiff(want, got.String()))
	}
}

// TestSeedsDiffer: the seed is part of the session; another seed names
// containers differently.
func TestSeedsDiffer(t *testing.T) {
	lines := []string{"docker run -d alpine sleep infinity", "docker ps --format {{.Names}}"}
	out1, _, _ := play(t, 1, lines)
	out2, _, _ := play(t, 2, lines)
	if out1 == out2 {
		t.Errorf("seeds 1 and 2 gave the same IDs and names:\n%s", out1)
	}
}
