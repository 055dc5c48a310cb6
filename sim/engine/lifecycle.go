package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/errdefs"
)

// maxRestartsPerTick bounds how many restarts one advance of the clock may
// run, so a crash-looping container costs a bounded amount of work.
const maxRestartsPerTick = 8

// ParseRestart checks a --restart value as the CLI does: no, always,
// unless-stopped, on-failure[:N].
func ParseRestart(s string) (policy string, max int, err error) {
	name, count, hasCount := strings.Cut(s, ":")
	switch name {
	case "", "no", "always", "unless-stopped":
		if hasCount {
			return "", 0, fmt.Errorf("invalid restart policy: maximum retry count can only be used with 'on-failure'")
		}
		if name == "" {
			name = "no"
		}
		return name, 0, nil
	case "on-failure":
		if !hasCount {
			return name, 0, nil
		}
		n, err := strconv.Atoi(count)
		if err != nil {
			return "", 0, fmt.Errorf("invalid restart policy format: maximum retry count must be an integer")
		}
		if n < 0 {
			return "", 0, fmt.Errorf("invalid restart policy: maximum retry count cannot be negative")
		}
		return name, n, nil
	}
	return "", 0, fmt.Errorf("invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'", name)
}

// shouldRestart applies the restart policy to a main process that ended by
// itself. A container stopped or killed by hand is never restarted.
func (c *Container) shouldRestart() bool {
	if c.manuallyStopped {
		return false
	}
	switch c.Restart {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return c.ExitCode != 0 && (c.MaxRetries == 0 || c.RestartCount < c.MaxRetries)
	}
	return false
}

// restartDelay is the daemon's back-off: 100ms, doubling after each restart,
// at most a minute.
func restartDelay(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 0; i < n && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// scheduleRestart puts a container whose main process ended into the
// restarting state, to be started again when its back-off has passed.
func (e *Engine) scheduleRestart(c *Container) {
	c.restartAt = e.now.Add(restartDelay(c.RestartCount))
	e.setState(c, Restarting, c.ExitCode, fmt.Sprintf("its restart policy %q starts it again", c.Restart))
}

// Restart stops a container (if running) with sig, as Stop does, and
// starts it again (docker restart). Its writable layer is kept: only rm
// discards it.
func (e *Engine) Restart(ctx context.Context, c *Container, timeout time.Duration, sig int) error {
	if c.Running() {
		e.Stop(c, timeout, sig)
	}
	c.manuallyStopped = false
	if c.removed {
		return notFound("container", c.Name)
	}
	return e.Start(ctx, c)
}

// Rename gives a container a new name (docker rename).
func (e *Engine) Rename(c *Container, name string) error {
	h := e.Host()
	name = strings.TrimPrefix(name, "/")
	if name == c.Name {
		return errdefs.InvalidParameter(errors.New("Renaming a container with the same name as its current name"))
	}
	if !validName(name) {
		return errdefs.InvalidParameter(fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name))
	}
	for _, o := range h.containers {
		if o.Name == name {
			return errdefs.Conflict(fmt.Errorf("Error when allocating new name: Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", name, o.ID))
		}
	}
	old := c.Name
	c.Name = name
	e.emit.Send(sim.EvContainerRenamed, sim.ContainerRenamed{ID: c.ID, From: old, To: name})
	return nil
}

// Wait is docker wait: a container that will end by itself on the virtual
// clock (sleep 30) is waited for by advancing the clock; one that never
// ends returns ErrWouldBlock.
func (e *Engine) Wait(c *Container) (int, error) {
	for i := 0; c.State == Restarting && i < maxRestartsPerTick; i++ {
		e.Sleep(c.restartAt.Sub(e.now))
		e.Refresh()
	}
	if c.State == Running && !c.ExitAt.IsZero() {
		e.Sleep(c.ExitAt.Sub(e.now))
		e.Refresh()
	}
	if c.Running() || c.State == Restarting {
		return 0, ErrWouldBlock
	}
	return c.ExitCode, nil
}

// ErrWouldBlock says a command would wait for a process that never ends.
var ErrWouldBlock = errors.New("the container's main process keeps running, so this would wait forever")
