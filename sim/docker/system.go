package docker

import (
	"context"
	"fmt"
	"io"
)

func (c *Console) builderPrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if !f.bool("force") {
		warning := "WARNING! This will remove all dangling build cache. Are you sure you want to continue?"
		if f.bool("all") {
			warning = "WARNING! This will remove all build cache. Are you sure you want to continue?"
		}
		return refusePrompt(out, warning)
	}
	ids, reclaimed := c.eng.PruneBuildCache(f.bool("all"))
	fmt.Fprint(out, listing("Deleted build cache objects:", ids))
	fmt.Fprintf(out, "Total reclaimed space: %s\n", humanSize4(reclaimed))
	return nil
}

func (c *Console) contextUse(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if err := c.eng.Use(args[0]); err != nil {
		return cliError(fmt.Sprintf("context %q does not exist", args[0]))
	}
	fmt.Fprintln(out, args[0])
	fmt.Fprintf(out, "Current context is now %q\n", args[0])
	return nil
}

func (c *Console) contextShow(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	fmt.Fprintln(out, c.eng.Host().Name)
	return nil
}
