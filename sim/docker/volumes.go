package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"layerlab/sim/engine"
	"layerlab/sim/errdefs"
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

// volumeRow is one docker volume ls row; field names are the --format names.
type volumeRow struct{ Driver, Name, Mountpoint, Scope string }

func (c *Console) volumeLs(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	du := c.eng.DiskUsage()
	var rows []volumeRow
	for _, v := range du.Volumes {
		keep := true
		for _, flt := range f.list("filter") {
			k, val, _ := strings.Cut(flt, "=")
			switch k {
			case "dangling":
				keep = keep && (v.Links == 0) == (val == "true" || val == "1")
			case "name":
				keep = keep && strings.Contains(v.Name, val)
			default:
				return errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s'", k))
			}
		}
		if keep {
			rows = append(rows, volumeRow{Driver: "local", Name: v.Name, Mountpoint: "/var/lib/docker/volumes/" + v.Name + "/_data", Scope: "local"})
		}
	}
	if f.bool("quiet") {
		for _, r := range rows {
			fmt.Fprintln(out, r.Name)
		}
		return nil
	}
	if tmpl := f.str("format"); tmpl != "" {
		return formatEach(out, tmpl, rows, func(r volumeRow) any { return r })
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "DRIVER\tVOLUME NAME")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", r.Driver, r.Name)
	}
	return tw.Flush()
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
	var objs []any
	var failed []string
	for _, name := range args {
		v, err := c.eng.FindVolume(name)
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		objs = append(objs, c.eng.InspectVolume(v))
	}
	return writeInspect(out, f.str("format"), objs, failed)
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
	printPruned(out, "Deleted Volumes:", names, reclaimed)
	return nil
}

// refusePrompt is what a prune without -f prints in the console: the CLI's
// question, and why nobody answers it here.
func refusePrompt(out io.Writer, question string) error {
	fmt.Fprint(out, question+" [y/N] \n[layerlab: the console cannot answer prompts; run it again with -f to confirm]\n")
	return &exitError{code: 1}
}

// printPruned is the end of a prune: what went, under heading, then the
// space reclaimed.
func printPruned(out io.Writer, heading string, names []string, reclaimed int64) {
	if len(names) > 0 {
		fmt.Fprintln(out, heading)
		for _, n := range names {
			fmt.Fprintln(out, n)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "Total reclaimed space: %s\n", humanSize4(reclaimed))
}

// volumeMountsOf names a container's volumes, for the ps filter.
func volumeMountsOf(ct *engine.Container) []string {
	var out []string
	for _, m := range ct.Mounts {
		out = append(out, m.Name, m.Destination)
	}
	return out
}
