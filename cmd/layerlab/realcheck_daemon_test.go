package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// realDaemon is the Docker engine the oracle asks: a private dockerd the
// check starts (its own data root, so nothing else on the machine shows in
// `docker ps -a` or `system df`), or, when that cannot be started, the one
// DOCKER_HOST or the default socket names.
type realDaemon struct {
	host     string // DOCKER_HOST for the CLI
	cli      string // the docker CLI
	buildKit string // a docker CLI that builds with BuildKit
	version  string // the engine's version, as `docker version` reports it
	proc     *exec.Cmd
	private  bool
	logPath  string
}

// startRealDaemon finds a docker CLI and an engine, or says plainly why
// there is none.
func startRealDaemon(ctx context.Context, cacheDir string) (*realDaemon, error) {
	cli, err := exec.LookPath("docker")
	if err != nil {
		return nil, errors.New("no docker CLI on PATH: realcheck compares layerlab with a real Docker engine (on Debian, install the Docker engine package)")
	}
	d := &realDaemon{cli: cli}
	dockerd, derr := exec.LookPath("dockerd")
	if derr == nil && os.Geteuid() == 0 && os.Getenv("LAYERLAB_REALCHECK_SHARED") == "" {
		if err := d.startPrivate(ctx, dockerd, cacheDir); err != nil {
			return nil, err
		}
	} else {
		d.host = os.Getenv("DOCKER_HOST")
	}
	out, err := d.output(ctx, "", "version", "--format", "{{.Server.Version}}")
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("no Docker daemon answers (%v): realcheck needs a running Docker engine; start one (systemctl start docker) or run make realcheck as root with dockerd installed\n%s", err, out)
	}
	d.version = strings.TrimSpace(out)
	if err := d.findBuildKit(ctx); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

// startPrivate runs dockerd with its own data root and sockets under the
// cache directory and waits until it answers.
func (d *realDaemon) startPrivate(ctx context.Context, dockerd, cacheDir string) error {
	run := "/run/layerlab-realcheck"
	if err := os.MkdirAll(run, 0o755); err != nil {
		return err
	}
	sock := filepath.Join(run, "docker.sock")
	cfg := filepath.Join(cacheDir, "daemon.json")
	if err := os.WriteFile(cfg, []byte("{}\n"), 0o644); err != nil {
		return err
	}
	args := []string{
		"--config-file", cfg,
		"--data-root", filepath.Join(cacheDir, "docker"),
		"--exec-root", filepath.Join(run, "exec"),
		"--pidfile", filepath.Join(run, "docker.pid"),
		"--host", "unix://" + sock,
		"--bridge", rcBridge, "--iptables=false", "--ip-masq=false",
	}
	if err := makeBridge(ctx); err != nil {
		return err
	}
	// The machine's own daemon knows which storage driver works here
	// (overlay2 may not, inside another container).
	if out, err := exec.CommandContext(ctx, d.cli, "info", "--format", "{{.Driver}}").Output(); err == nil {
		if drv := strings.TrimSpace(string(out)); drv != "" {
			args = append(args, "--storage-driver", drv)
		}
	}
	d.logPath = filepath.Join(cacheDir, "dockerd.log")
	logf, err := os.Create(d.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(dockerd, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting dockerd: %w", err)
	}
	d.proc, d.private, d.host = cmd, true, "unix://"+sock
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			d.proc = nil
			log, _ := os.ReadFile(d.logPath)
			return fmt.Errorf("dockerd exited at start (%v); its log:\n%s", err, tail(string(log), 20))
		case <-time.After(300 * time.Millisecond):
		}
		if _, err := d.output(ctx, "", "version", "--format", "{{.Server.Version}}"); err == nil {
			go func() { <-exited }()
			return nil
		}
	}
	d.stop()
	return fmt.Errorf("dockerd did not answer within 60s; see %s", d.logPath)
}

// rcBridge is the private daemon's own bridge: BuildKit's RUN and docker
// run need a network, and the machine's docker0 belongs to the other daemon.
// iptables stays off, so nothing leaves the machine through it.
const rcBridge = "llrc0"

func makeBridge(ctx context.Context) error {
	if exec.CommandContext(ctx, "ip", "link", "show", rcBridge).Run() == nil {
		return nil
	}
	for _, args := range [][]string{
		{"link", "add", rcBridge, "type", "bridge"},
		{"addr", "add", "172.31.254.1/24", "dev", rcBridge},
		{"link", "set", rcBridge, "up"},
	} {
		if out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("making the bridge %s: ip %s: %v\n%s", rcBridge, strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// findBuildKit picks a CLI that builds with BuildKit: the docker CLI when it
// has the buildx component, or else an older CLI (Debian's, 20.10) that asks
// the engine's own BuildKit when DOCKER_BUILDKIT=1.
func (d *realDaemon) findBuildKit(ctx context.Context) error {
	if err := exec.CommandContext(ctx, d.cli, "buildx", "version").Run(); err == nil {
		d.buildKit = d.cli
		return nil
	}
	for _, cand := range []string{"/usr/bin/docker", "/bin/docker"} {
		out, err := exec.CommandContext(ctx, cand, "version", "--format", "{{.Client.Version}}").Output()
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(out)), "20.") {
			d.buildKit = cand
			return nil
		}
	}
	return errors.New("no docker CLI here builds with BuildKit: install the buildx component, or Debian's Docker engine package (its 20.10 CLI uses the engine's BuildKit)")
}

func (d *realDaemon) env() []string {
	env := append(os.Environ(), "DOCKER_BUILDKIT=1", "BUILDKIT_PROGRESS=plain", "DOCKER_CLI_HINTS=false")
	if d.host != "" {
		env = append(env, "DOCKER_HOST="+d.host)
	}
	return env
}

// output runs one docker command and returns what it printed, both streams.
func (d *realDaemon) output(ctx context.Context, dir string, args ...string) (string, error) {
	cli := d.cli
	if usesBuilder(args) {
		cli = d.buildKit
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Dir = dir
	cmd.Env = d.env()
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// usesBuilder says whether a command talks to the builder, which the docker
// CLI reaches through buildx when BuildKit is on.
func usesBuilder(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "build", "builder":
		return true
	case "image", "buildx":
		return len(args) > 1 && args[1] == "build"
	}
	return false
}

// reset removes every container, volume, image and cache record except the
// base images: each script starts from the same state on both sides.
func (d *realDaemon) reset(ctx context.Context, keep map[string]bool) error {
	if !d.private {
		return nil // the shared daemon is not ours to empty; scripts clean up after themselves
	}
	steps := [][]string{
		{"ps", "-aq"}, {"volume", "ls", "-q"}, {"images", "-aq", "--no-trunc"},
	}
	for i, list := range steps {
		out, err := d.output(ctx, "", list...)
		if err != nil {
			return fmt.Errorf("docker %s: %v\n%s", strings.Join(list, " "), err, out)
		}
		var ids []string
		for _, id := range strings.Fields(out) {
			if !keep[id] {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		rm := [][]string{{"rm", "-f", "-v"}, {"volume", "rm", "-f"}, {"rmi", "-f"}}[i]
		if out, err := d.output(ctx, "", append(rm, ids...)...); err != nil && i != 2 {
			return fmt.Errorf("docker %s: %v\n%s", strings.Join(rm, " "), err, out)
		}
	}
	if out, err := d.output(ctx, "", "builder", "prune", "-af"); err != nil {
		return fmt.Errorf("docker builder prune: %v\n%s", err, out)
	}
	return nil
}

// stop ends the private daemon, if this check started one.
func (d *realDaemon) stop() {
	if d == nil || d.proc == nil || d.proc.Process == nil {
		return
	}
	pid := d.proc.Process.Pid
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			d.proc = nil
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	d.proc = nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
