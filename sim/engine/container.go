package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/build"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// Container states, as docker ps and inspect name them.
const (
	Created    = "created"
	Running    = "running"
	Paused     = "paused"
	Restarting = "restarting"
	Exited     = "exited"
	Dead       = "dead"
)

// Container is one container on a host: an image, a writable layer on top
// of it, and a main process.
type Container struct {
	ID         string // 64 hex
	Name       string // without the leading "/"
	ImageRef   string // what the user typed, shown in docker ps
	Image      *image.Image
	Upper      *union.Overlay // the writable layer
	fs         shell.FS
	config     *dockerspec.DockerOCIImage // the image's, shared: read only       // what its processes see: Upper with volumes mounted
	Cmd        []string                   // the main process: entrypoint + cmd
	Entrypoint []string                   // the image's ENTRYPOINT or --entrypoint: the head of Cmd
	Env        []string
	WorkDir    string
	User       string
	Ports      []PortBinding
	Mounts     []Mount
	Restart    string // no, always, unless-stopped, on-failure
	MaxRetries int    // on-failure:N; 0 is no limit
	AutoRm     bool   // --rm
	TTY        bool   // -t
	Stdin      bool   // -i
	Hostname   string // the short ID, or --hostname
	Labels     map[string]string
	Memory     int64 // -m, in bytes; 0 is no limit

	State        string
	ExitCode     int
	Pid          int
	Created      time.Time
	StartedAt    time.Time
	FinishedAt   time.Time
	ExitAt       time.Time // a running main process that ends by itself then (sleep 5)
	Logs         bytes.Buffer
	RestartCount int
	process      processKind

	manuallyStopped bool      // docker stop or kill: the restart policy no longer applies
	restartAt       time.Time // when a restarting container starts again
	logMarks        []logMark
	pendingExit     int    // the status a main process ending at ExitAt ends with
	startErr        string // why the last start failed before the process ran
	removed         bool
}

// PortBinding is one -p host:container mapping.
type PortBinding struct {
	HostIP        string
	HostPort      string
	ContainerPort string // "8000/tcp"
}

// Mount is a volume attached to a container.
type Mount struct {
	Type        string // volume or bind
	Name        string // the volume name
	Destination string
	Anonymous   bool
	ReadOnly    bool // :ro
}

// processKind says how a main process behaves once started.
type processKind struct {
	serving     bool // keeps running (a server, sleep infinity, an interactive shell)
	handlesTerm bool // installs a SIGTERM handler, so docker stop ends it at once
	trapped     bool // a shell script's trap handles it, exiting with trapExit
	trapExit    int
	shellC      bool // sh -c SCRIPT under ash or dash: SIGINT ends it with 130
	name        string
	app         []byte // a server script as its process loaded it (serve.go)
}

// ContainerOptions is docker create / docker run.
type ContainerOptions struct {
	Image      string
	Name       string
	Cmd        []string // replaces the image's CMD
	Entrypoint *[]string
	Env        []string
	WorkDir    string
	User       string
	Ports      []PortBinding
	Volumes    []string // -v name:/path or -v /path
	Restart    string
	AutoRm     bool
	TTY        bool
	Stdin      bool
	Hostname   string            // --hostname; default the short ID
	Labels     map[string]string // --label, over the image's labels
	Memory     int64             // -m in bytes
	// VolumesFrom mounts another container's volumes at the same paths:
	// "NAME", "NAME:ro" or "NAME:rw" (--volumes-from).
	VolumesFrom []string
}

// ExposedPorts are the ports the image declares (EXPOSE).
func (c *Container) ExposedPorts() []string {
	var out []string
	for p := range c.config.Config.ExposedPorts {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// ShortID is the 12-character ID docker ps shows.
func (c *Container) ShortID() string { return c.ID[:12] }

// Running reports whether the main process is alive (paused counts).
func (c *Container) Running() bool { return c.State == Running || c.State == Paused }

// Containers lists the current host's containers, newest first.
func (e *Engine) Containers() []*Container {
	h := e.Host()
	out := slices.Clone(h.containers)
	slices.Reverse(out)
	return out
}

// FindContainer resolves a name, full ID or unique ID prefix.
func (e *Engine) FindContainer(ref string) (*Container, error) {
	return e.Host().findContainer(ref)
}

func (h *Host) findContainer(ref string) (*Container, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return nil, notFound("container", ref)
	}
	for _, c := range h.containers {
		if c.Name == ref || c.ID == ref {
			return c, nil
		}
	}
	var found *Container
	for _, c := range h.containers {
		if strings.HasPrefix(c.ID, ref) {
			if found != nil {
				return nil, errdefs.InvalidParameter(fmt.Errorf("multiple IDs found with provided prefix: %s", ref))
			}
			found = c
		}
	}
	if found == nil {
		return nil, notFound("container", ref)
	}
	return found, nil
}

// Create makes a container: the image's layers shared read-only, an empty
// writable layer on top. Nothing runs yet.
func (e *Engine) Create(o ContainerOptions) (*Container, error) {
	h := e.Host()
	img, err := h.resolve(o.Image)
	if err != nil {
		return nil, err
	}
	if len(h.containers) >= e.limits.Containers {
		return nil, errdefs.Unavailable(sim.LimitError("too many containers on this host: remove some with docker rm", e.limits.Containers))
	}
	name := strings.TrimPrefix(o.Name, "/")
	if name != "" {
		if !validName(name) {
			return nil, errdefs.InvalidParameter(fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name))
		}
		for _, c := range h.containers {
			if c.Name == name {
				return nil, errdefs.Conflict(fmt.Errorf("Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", name, c.ID))
			}
		}
	} else {
		name = e.randomName(h)
	}
	policy, maxRetries, err := ParseRestart(o.Restart)
	if err != nil {
		return nil, errdefs.InvalidParameter(err)
	}
	cfg := *e.lib.config(img)
	argv := commandOf(cfg, o.Entrypoint, o.Cmd)
	if len(argv) == 0 {
		return nil, errdefs.InvalidParameter(errors.New("no command specified"))
	}
	if o.Memory != 0 && o.Memory < minMemory {
		return nil, errdefs.InvalidParameter(fmt.Errorf("Minimum memory limit allowed is 6MB"))
	}
	labels := map[string]string{}
	for k, v := range cfg.Config.Labels {
		labels[k] = v
	}
	for k, v := range o.Labels {
		labels[k] = v
	}
	c := &Container{
		config:     e.lib.config(img),
		Labels:     labels,
		Memory:     o.Memory,
		ID:         e.randomHex(32),
		Name:       name,
		ImageRef:   o.Image,
		Image:      img,
		Cmd:        argv,
		Entrypoint: entrypointOf(cfg, o.Entrypoint),
		Env:        containerEnv(o.Env, cfg.Config.Env),
		WorkDir:    firstNonEmpty(o.WorkDir, cfg.Config.WorkingDir, "/"),
		User:       firstNonEmpty(o.User, cfg.Config.User),
		Ports:      o.Ports,
		Restart:    policy,
		MaxRetries: maxRetries,
		AutoRm:     o.AutoRm,
		TTY:        o.TTY,
		Stdin:      o.Stdin,
		State:      Created,
		Created:    e.now,
	}
	c.Hostname = firstNonEmpty(o.Hostname, c.ID[:12])
	view := e.lib.view(img)
	c.Upper = union.NewOverlay(view, e.hooksFor(c))
	c.Upper.SetQuota(e.quota())
	mounts, err := e.mountVolumes(h, c, view, cfg, o.Volumes, o.VolumesFrom)
	if err != nil {
		return nil, err
	}
	for _, m := range mounts {
		// The daemon makes a missing mount point in the writable layer, so
		// docker diff shows it as added (checked with podman: "A /data").
		if _, err := c.Upper.Stat(m.dest); err != nil {
			if err := c.Upper.MkdirAll(m.dest, 0o755); err != nil {
				return nil, errdefs.System(fmt.Errorf("creating mount point %s: %w", m.dest, err))
			}
		}
	}
	c.fs = newMountFS(c.Upper, mounts, etcMounts(c.Hostname, fmt.Sprintf("172.17.0.%d", 2+len(h.containers)%250), e.quota()), e.writesOf(c))
	h.containers = append(h.containers, c)
	e.emit.Send(sim.EvContainerCreated, sim.ContainerCreated{ID: c.ID, Name: c.Name, Image: o.Image, ImageID: img.ID().String()})
	return c, nil
}

// hooksFor reports a container's copy-ups and whiteouts as events.
func (e *Engine) hooksFor(c *Container) union.Hooks {
	return union.Hooks{
		CopiedUp: func(p string, from int, size int64) {
			e.emit.Send(sim.EvFileCopiedUp, sim.FileCopiedUp{Container: c.Name, Path: p, FromLayer: from, Size: size})
		},
		Whiteout: func(p string, opaque bool) {
			e.emit.Send(sim.EvWhiteout, sim.Whiteout{Container: c.Name, Path: p, Opaque: opaque})
		},
	}
}

// writesOf reports a container's file writes as events, or is nil when no
// one listens.
func (e *Engine) writesOf(c *Container) func(p, volume string) {
	if e.emit == nil {
		return nil
	}
	return func(p, volume string) {
		e.emit.Send(sim.EvFileWritten, sim.FileWritten{Container: c.Name, Path: p, Volume: volume})
	}
}

// commandOf is the main process: ENTRYPOINT then CMD, where a CMD given on
// the command line replaces the image's, and --entrypoint resets the CMD.
func commandOf(cfg dockerspec.DockerOCIImage, entrypoint *[]string, cmd []string) []string {
	ep := cfg.Config.Entrypoint
	c := cfg.Config.Cmd
	if entrypoint != nil {
		ep = *entrypoint
		c = nil
	}
	if len(cmd) > 0 {
		c = cmd
	}
	return append(slices.Clone(ep), c...)
}

// entrypointOf is the ENTRYPOINT a container runs with.
func entrypointOf(cfg dockerspec.DockerOCIImage, entrypoint *[]string) []string {
	if entrypoint != nil {
		return slices.Clone(*entrypoint)
	}
	return slices.Clone(cfg.Config.Entrypoint)
}

// containerEnv is a container's configured environment as moby merges it:
// the -e variables first, then the image's that -e does not replace.
func containerEnv(user, image []string) []string {
	out := slices.Clone(user)
	for _, kv := range image {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(user, func(u string) bool { uk, _, _ := strings.Cut(u, "="); return uk == k }) {
			out = append(out, kv)
		}
	}
	return out
}

func mergeEnv(base, extra []string) []string {
	out := slices.Clone(base)
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, old := range out {
			if ok, _, _ := strings.Cut(old, "="); ok == k {
				out[i] = kv
				replaced = true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// minMemory is the smallest -m the daemon accepts (6 MiB).
const minMemory = 6 << 20

func validName(n string) bool {
	for i, r := range n {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if i > 0 {
			ok = ok || r == '_' || r == '.' || r == '-'
		}
		if !ok {
			return false
		}
	}
	return n != ""
}

// Start runs a created or exited container's main process.
func (e *Engine) Start(ctx context.Context, c *Container) error {
	switch c.State {
	case Running:
		return nil
	case Paused:
		return errdefs.Conflict(errors.New("cannot start a paused container, try unpause instead"))
	}
	c.manuallyStopped = false
	return e.launch(ctx, c)
}

// launch runs the main process; Start and the restart policy share it. A
// process that cannot start at all (no such program, not executable)
// leaves the container as it was, with the exit code set, and the error
// says why in the runtime's words; --rm removes it.
func (e *Engine) launch(ctx context.Context, c *Container) error {
	before := c.State
	e.setState(c, Running, 0, "its main process started")
	c.StartedAt = e.now
	c.Pid = 1000 + int(e.rng.UintN(30000))
	c.startErr = ""
	kind, status := e.runMain(ctx, c)
	if c.startErr != "" {
		c.Pid = 0
		c.ExitCode = status
		e.setState(c, before, status, "its main process could not start")
		if before == Exited {
			c.ExitCode = status
		}
		if c.AutoRm {
			h := e.hostOf(c)
			e.remove(h, c)
			e.removeAnonymousVolumes(h, c)
		}
		return errdefs.System(StartError{Status: status, msg: c.startErr})
	}
	c.process = kind
	if kind.serving {
		return nil
	}
	e.exit(c, status, "its main process ended")
	return nil
}

// StartError is a main process that could not start; Status is the exit
// code the container records (127 not found, 126 not executable).
type StartError struct {
	Status int
	msg    string
}

func (e StartError) Error() string { return e.msg }

// exit records the end of the main process, then applies --rm and
// --restart.
func (e *Engine) exit(c *Container, status int, reason string) {
	c.FinishedAt = e.now
	c.Pid = 0
	e.setState(c, Exited, status, fmt.Sprintf("%s with exit code %d", reason, status))
	if c.shouldRestart() {
		e.scheduleRestart(c)
		return
	}
	if c.AutoRm {
		h := e.hostOf(c)
		e.remove(h, c)
		e.removeAnonymousVolumes(h, c)
	}
}

// removeAnonymousVolumes deletes the anonymous volumes of a removed
// container that no other container mounts (docker rm -v, and --rm).
func (e *Engine) removeAnonymousVolumes(h *Host, c *Container) {
	for _, m := range c.Mounts {
		if !m.Anonymous || h.volumeInUse(m.Name) {
			continue
		}
		if _, ok := h.volumes[m.Name]; !ok {
			continue
		}
		delete(h.volumes, m.Name)
		e.emit.Send(sim.EvVolumeRemoved, sim.VolumeRemoved{Name: m.Name})
	}
}

// volumeInUse reports whether a container on h mounts the volume.
func (h *Host) volumeInUse(name string) bool {
	for _, c := range h.containers {
		for _, m := range c.Mounts {
			if m.Name == name {
				return true
			}
		}
	}
	return false
}

// hostOf finds the host a container lives on.
func (e *Engine) hostOf(c *Container) *Host {
	for _, name := range e.order {
		if slices.Contains(e.hosts[name].containers, c) {
			return e.hosts[name]
		}
	}
	return e.Host()
}

func (e *Engine) setState(c *Container, to string, code int, reason string) {
	from := c.State
	c.State = to
	if to == Exited || to == Running {
		c.ExitCode = code
	}
	e.emit.Send(sim.EvContainerState, sim.ContainerState{ID: c.ID, Name: c.Name, From: from, To: to, ExitCode: code, Reason: reason})
}

// Refresh ends main processes whose time has come on the virtual clock and
// restarts those whose restart back-off has passed. Hosts are visited in
// order so that events come out the same on every replay.
func (e *Engine) Refresh() {
	e.refreshBudget()
	for _, name := range e.order {
		h := e.hosts[name]
		for _, c := range slices.Clone(h.containers) {
			for i := 0; i < maxRestartsPerTick; i++ {
				if c.State == Running && !c.ExitAt.IsZero() && !e.now.Before(c.ExitAt) {
					c.ExitAt = time.Time{}
					e.exit(c, c.pendingExit, "its main process finished")
				}
				if c.State != Restarting || e.now.Before(c.restartAt) {
					break
				}
				c.RestartCount++
				c.restartAt = time.Time{}
				_ = e.launch(context.Background(), c)
			}
		}
	}
}

// shellFor runs commands inside a container: its writable layer, its
// environment, its working directory.
func (e *Engine) shellFor(c *Container, stdout, stderr *bytes.Buffer, workdir string, env []string, user string) *shell.Shell {
	return e.shellWithClock(c, stdout, stderr, workdir, env, user, e.Now, e.Sleep, e.limits.ShellSteps)
}

// shellWithClock is shellFor with its own clock and step budget: a main
// process runs beside the console, so its sleeps must not move the
// session's clock.
func (e *Engine) shellWithClock(c *Container, stdout, stderr *bytes.Buffer, workdir string, env []string, user string,
	now func() time.Time, sleep func(time.Duration), steps int) *shell.Shell {
	uid, gid := 0, 0
	if user != "" {
		uid, gid, _ = build.LookupUser(e.lib.view(c.Image), user)
	}
	return shell.New(shell.Config{
		FS: c.fs, Dir: firstNonEmpty(workdir, c.WorkDir, "/"), Env: envToMap(env), UID: uid, GID: gid,
		Programs: e.programsFor(c), Flavor: shell.FlavorOf(c.Upper),
		Stdin: bytes.NewReader(nil), Stdout: stdout, Stderr: stderr,
		Now: now, Sleep: sleep, MaxSteps: steps, MaxOutput: e.limits.OutputBytes, Meter: &e.meter,
		Fetch: e.fetcherFor(c),
	})
}

func envToMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	if _, ok := m["PATH"]; !ok {
		m["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	return m
}

// Exec runs a command in a running container (docker exec). stdout holds
// everything it wrote, both streams in the order written, as a terminal
// shows them; stderr is kept for callers that want the streams apart and is
// always empty. A process that cannot start (no such program, user or
// directory) is not an error: the runtime's message comes back as output,
// as the CLI prints it from the exec stream, with status 126 or 127.
func (e *Engine) Exec(ctx context.Context, c *Container, argv []string, workdir string, env []string, user string) (stdout, stderr string, status int, err error) {
	switch c.State {
	case Paused:
		return "", "", 0, errdefs.Conflict(fmt.Errorf("container %s is paused, unpause the container before exec", c.ID))
	case Running:
	default:
		return "", "", 0, errdefs.Conflict(notRunning{c.ID})
	}
	user = firstNonEmpty(user, c.User)
	_, _, home, uerr := e.userOf(c, user)
	if uerr != nil {
		return uerr.Error() + "\n", "", 126, nil
	}
	if workdir != "" {
		if n, serr := c.fs.Stat(workdir); serr != nil || n.Type != layer.TypeDir {
			return fmt.Sprintf("OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd (%q) set in config.json failed: %s: unknown\n", workdir, chdirError(serr)), "", 126, nil
		}
	}
	var out bytes.Buffer
	newCommand(c.fs)
	sh := e.shellFor(c, &out, &out, workdir, e.processEnv(c, false, mergeEnv(c.Env, env), home), user)
	st, rerr := sh.RunArgv(ctx, argv)
	if rerr != nil {
		if msg, ok := startFailure(rerr); ok {
			return "OCI runtime exec failed: exec failed: unable to start container process: " + msg + ": unknown\n", "", st, nil
		}
		return out.String(), "", 126, rerr
	}
	return out.String(), "", st, nil
}

// startFailure reports whether a program could not be started at all, and
// says why in runc's words (a directory is "permission denied" to execve).
func startFailure(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "exec: ") {
		return "", false
	}
	if strings.HasSuffix(msg, ": is a directory") {
		msg = strings.TrimSuffix(msg, "is a directory") + "permission denied"
	}
	return msg, true
}

func chdirError(err error) string {
	if err == nil {
		return "not a directory"
	}
	return "no such file or directory"
}

// Remove deletes a container and its writable layer (docker rm).
func (e *Engine) Remove(c *Container, force, volumes bool) error {
	h := e.Host()
	if c.Running() {
		if !force {
			return errdefs.Conflict(fmt.Errorf("cannot remove container \"/%s\": container is %s: stop the container before removing or force remove", c.Name, c.State))
		}
		e.kill(c, 9, "killed by docker rm -f")
	}
	if slices.Index(h.containers, c) < 0 {
		return nil // --rm already took it
	}
	e.remove(h, c)
	if volumes {
		e.removeAnonymousVolumes(h, c)
	}
	return nil
}

func (e *Engine) remove(h *Host, c *Container) {
	i := slices.Index(h.containers, c)
	if i < 0 {
		return
	}
	h.containers = slices.Delete(h.containers, i, i+1)
	c.removed = true
	e.emit.Send(sim.EvContainerRemoved, sim.ContainerRemoved{ID: c.ID, Name: c.Name, Size: c.Upper.Size()})
}

// Stop sends a signal (sig, or the image's STOPSIGNAL when sig is 0,
// SIGTERM by default), waits out the grace period on the virtual clock if
// the main process does not handle it, then kills it (docker stop).
func (e *Engine) Stop(c *Container, timeout time.Duration, sig int) {
	if c.State == Restarting {
		c.manuallyStopped = true
		c.restartAt = time.Time{}
		e.setState(c, Exited, c.ExitCode, "docker stop ended its restart loop")
		return
	}
	if !c.Running() {
		return
	}
	c.manuallyStopped = true
	if c.State == Paused {
		// The daemon thaws a paused container so it can receive the signal.
		c.State = Running
	}
	if sig == 0 {
		sig = stopSignal(e.lib.config(c.Image).Config.StopSignal)
	}
	switch {
	case sig == 9:
		e.end(c, 137, "docker stop sent SIGKILL")
	case handles(c.process, sig):
		e.end(c, cleanExit(c.process, sig), fmt.Sprintf("it handled %s and exited", signalName(sig)))
	default:
		// PID 1 ignores signals it installs no handler for: wait, then SIGKILL.
		e.Sleep(timeout)
		e.end(c, 137, fmt.Sprintf("it ignored %s as PID 1, so after %s it was killed with SIGKILL", signalName(sig), timeout))
	}
}

// handles reports whether a main process ends on sig by itself: servers
// shut down on SIGTERM, SIGINT and SIGQUIT; a shell script on the SIGTERM
// its trap names, and a `sh -c` script on SIGINT, which ash and dash catch
// for a -c command. Anything else, PID 1 ignores.
func handles(p processKind, sig int) bool {
	switch {
	case sig == 2 && p.shellC:
		return true
	case !p.handlesTerm:
		return false
	case p.trapped:
		return sig == 15
	}
	return sig == 15 || sig == 3 || sig == 2
}

// cleanExit is the status of a process that handled its stop signal: nginx
// quits gracefully on SIGQUIT with 0, a shell trap exits as the trap says,
// others end as the signal's default action would.
func cleanExit(p processKind, sig int) int {
	if p.trapped && sig == 15 {
		return p.trapExit
	}
	if p.name == "nginx" || p.name == "gunicorn" || p.name == "uvicorn" {
		return 0
	}
	return 128 + sig
}

// kill ends the main process with a signal: exit code 128+N.
func (e *Engine) kill(c *Container, sig int, reason string) { e.end(c, 128+sig, reason) }

// end records the end of a main process that was signalled.
func (e *Engine) end(c *Container, code int, reason string) {
	c.ExitAt = time.Time{}
	c.FinishedAt = e.now
	c.Pid = 0
	e.setState(c, Exited, code, reason)
	if c.shouldRestart() {
		e.scheduleRestart(c)
		return
	}
	if c.AutoRm {
		h := e.hostOf(c)
		e.remove(h, c)
		e.removeAnonymousVolumes(h, c)
	}
}

// Kill sends a signal (docker kill, default SIGKILL). PID 1 ignores any
// signal it has no handler for, so only SIGKILL is sure to end it.
func (e *Engine) Kill(c *Container, sig int) error {
	if !c.Running() {
		return errdefs.Conflict(fmt.Errorf("cannot kill container: %s: %w", c.Name, notRunning{c.ID}))
	}
	c.manuallyStopped = true
	switch {
	case sig == 9:
		e.kill(c, 9, "docker kill sent SIGKILL")
	case handles(c.process, sig):
		e.end(c, cleanExit(c.process, sig), fmt.Sprintf("it handled %s and exited", signalName(sig)))
	default:
		e.emit.Send(sim.EvContainerState, sim.ContainerState{ID: c.ID, Name: c.Name, From: c.State, To: c.State,
			Reason: fmt.Sprintf("its main process is PID 1 and has no handler for %s, so the signal was ignored", signalName(sig))})
	}
	return nil
}

// Pause freezes every process of a container (the cgroup freezer).
func (e *Engine) Pause(c *Container) error {
	switch c.State {
	case Paused:
		return errdefs.Conflict(fmt.Errorf("cannot pause container %s: container %s is already paused", c.Name, c.ID))
	case Running:
	default:
		return errdefs.Conflict(fmt.Errorf("cannot pause container %s: %w", c.Name, notRunning{c.ID}))
	}
	e.setState(c, Paused, 0, "its processes are frozen")
	return nil
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(c *Container) error {
	if c.State != Paused {
		return errdefs.Conflict(fmt.Errorf("cannot unpause container %s: container %s is not paused", c.Name, c.ID))
	}
	e.setState(c, Running, 0, "its processes run again")
	return nil
}

// Diff lists a container's changes as docker diff prints them.
func (e *Engine) Diff(c *Container) []union.Change {
	var out []union.Change
	for _, ch := range c.Upper.Changes() {
		if c.mountedAt(ch.Path) {
			continue
		}
		out = append(out, ch)
	}
	return out
}

func (c *Container) mountedAt(p string) bool {
	for _, m := range c.Mounts {
		if strings.HasPrefix(p, m.Destination+"/") {
			return true
		}
	}
	return false
}

var _ = digest.Digest("")

// ErrNotRunning is what errors.Is finds in every refusal that needs a
// running container (exec, kill, pause…), whatever the daemon's words.
var ErrNotRunning = errors.New("container is not running")

// notRunning is moby's "container <id> is not running".
type notRunning struct{ id string }

func (e notRunning) Error() string        { return fmt.Sprintf("container %s is not running", e.id) }
func (e notRunning) Is(target error) bool { return target == ErrNotRunning }

// FS is what a container's processes see: its writable layer over its
// image, with its volumes mounted. docker cp reads and writes through it,
// so a copy into a container shows in docker diff like any other write.
func (c *Container) FS() shell.FS { return c.fs }
