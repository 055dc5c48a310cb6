package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/errdefs"
)

// eachContainer runs do for every named container, printing each name that
// succeeded and collecting the daemon's errors, as the CLI's multi-container
// commands do.
func (c *Console) eachContainer(args []string, out io.Writer, do func(ct *engine.Container) error) error {
	var failed []string
	for _, ref := range args {
		ct, err := c.eng.FindContainer(ref)
		if err == nil {
			err = do(ct)
		}
		if err != nil {
			failed = append(failed, errorText(err))
			continue
		}
		fmt.Fprintln(out, ref)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

func stopTimeout(f *flagSet) (time.Duration, error) {
	switch {
	case f.changed("timeout"):
		return time.Duration(f.int("timeout")) * time.Second, nil
	case f.changed("time"):
		return time.Duration(f.int("time")) * time.Second, nil
	}
	return 10 * time.Second, nil
}

func (c *Console) restart(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	timeout, err := stopTimeout(f)
	if err != nil {
		return err
	}
	return c.eachContainer(args, out, func(ct *engine.Container) error {
		sig, err := stopSignalFlag(f, ct, "Cannot restart container %s: Invalid signal: %s")
		if err != nil {
			return err
		}
		return c.eng.Restart(ctx, ct, timeout, sig)
	})
}

// stopSignalFlag reads stop's and restart's -s: 0 (the container's own stop
// signal) when it is not given. The daemon checks the signal only once it
// has a running container to send it to, and words the error with the
// container's name as format says (moby's daemon/stop.go and restart.go).
func stopSignalFlag(f *flagSet, ct *engine.Container, format string) (int, error) {
	if !f.changed("signal") || !ct.Running() {
		return 0, nil
	}
	sig, err := engine.ParseSignal(f.str("signal"))
	if err != nil {
		return 0, errdefs.InvalidParameter(fmt.Errorf(format, ct.Name, f.str("signal")))
	}
	return sig, nil
}

func (c *Console) kill(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	sig := 9
	if f.changed("signal") {
		n, err := engine.ParseSignal(f.str("signal"))
		if err != nil {
			return err
		}
		sig = n
	}
	return c.eachContainer(args, out, func(ct *engine.Container) error { return c.eng.Kill(ct, sig) })
}

func (c *Console) pause(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return c.eachContainer(args, out, c.eng.Pause)
}

func (c *Console) unpause(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return c.eachContainer(args, out, c.eng.Unpause)
}

func (c *Console) rename(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	// docker/cli's rename prints the daemon's error, then its own line.
	failed := func(err error) error {
		return fmt.Errorf("%s\nError: failed to rename container named %s", errorText(err), args[0])
	}
	if strings.TrimSpace(args[1]) == "" {
		return cliError("Error: Neither old nor new names may be empty")
	}
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return failed(err)
	}
	if err := c.eng.Rename(ct, args[1]); err != nil {
		return failed(err)
	}
	return nil
}

func (c *Console) wait(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var failed []string
	for _, ref := range args {
		ct, err := c.eng.FindContainer(ref)
		if err != nil {
			failed = append(failed, errorText(err))
			continue
		}
		code, err := c.eng.Wait(ct)
		if errors.Is(err, engine.ErrWouldBlock) {
			fmt.Fprintf(out, "[layerlab: %s keeps running, so docker wait would block until it stops; stop it from another terminal with docker stop %s]\n", ct.Name, ct.Name)
			return &exitError{code: 130}
		}
		fmt.Fprintln(out, code)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}
