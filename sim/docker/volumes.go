package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/layerlab/layerlab/sim/errdefs"
)

func (c *Console) volumeCreate(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	name := f.str("name")
	if len(args) == 1 {
		if name != "" && name != args[0] {
			return cliError("conflicting options: cannot specify a volume-name through both --name and as a positional arg")
		}
		name = args[0]
	}
	if d := f.str("driver"); d != "local" {
		return errdefs.NotFound(fmt.Errorf("create %s: error looking up volume plugin %s: plugin %q not found", name, d, d))
	}
	v, err := c.eng.CreateVolume(name)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, v.Name)
	return nil
}

func (c *Console) volumeRm(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var failed []string
	for _, name := range args {
		if err := c.eng.RemoveVolume(name, f.bool("force")); err != nil {
			failed = append(failed, errorText(err))
			continue
		}
		fmt.Fprintln(out, name)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

func (c *Console) volumeInspect(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return writeInspect(out, f.str("format"), args, func(name string) (any, error) {
		v, err := c.eng.FindVolume(name)
		if err != nil {
			return nil, err
		}
		return c.eng.InspectVolume(v), nil
	})
}

func (c *Console) volumePrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	warning := "WARNING! This will remove anonymous local volumes not used by at least one container.\n"
	if f.bool("all") {
		warning = "WARNING! This will remove all local volumes not used by at least one container.\n"
	}
	if !f.bool("force") {
		return refusePrompt(out, warning+"Are you sure you want to continue?")
	}
	names, reclaimed := c.eng.PruneVolumes(f.bool("all"))
	fmt.Fprint(out, listing("Deleted Volumes:", names))
	fmt.Fprintf(out, "Total reclaimed space: %s\n", humanSize4(reclaimed))
	return nil
}

// refusePrompt is what a prune without -f does in the console. The console
// has no standard input, so the CLI's question reads end of input, which is
// "no": docker prints the question and ends with status 0, removing
// nothing (docker CLI 28 with stdin not a terminal).
func refusePrompt(out io.Writer, question string) error {
	fmt.Fprint(out, question+" [y/N] \n")
	return nil
}
