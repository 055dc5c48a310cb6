package docker

import (
	"context"
	"fmt"
	"io"
	"strings"

	"layerlab/sim"
)

// reclaimable words a reclaimable size with its share of the total, as the
// CLI's disk usage table does.
func reclaimable(n, total int64) string {
	if total <= 0 {
		return humanSize4(n)
	}
	return fmt.Sprintf("%s (%d%%)", humanSize4(n), n*100/total)
}

func (c *Console) systemDF(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	du := c.eng.DiskUsage()
	now := c.eng.Now()
	var activeImages int
	var used int64
	for _, im := range du.Images {
		if im.Containers > 0 {
			activeImages++
			used += im.Size - im.SharedSize
		}
	}
	var ctTotal, ctIdle int64
	activeCt := 0
	for _, ct := range du.Containers {
		n := ct.Upper.Size()
		ctTotal += n
		if ct.Running() {
			activeCt++
		} else {
			ctIdle += n
		}
	}
	var volTotal, volIdle int64
	activeVol := 0
	for _, v := range du.Volumes {
		volTotal += v.Size
		if v.Links > 0 {
			activeVol++
		} else {
			volIdle += v.Size
		}
	}
	// The build cache's size leaves out records an image shares: those
	// bytes are already counted under Images. No build runs between two
	// console commands, so no record is in use and all of it is reclaimable.
	var cacheSize int64
	for _, r := range du.BuildCache {
		if !r.Shared {
			cacheSize += r.Size
		}
	}
	if !f.bool("verbose") {
		tw := newTable(out)
		fmt.Fprintln(tw, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE")
		fmt.Fprintf(tw, "Images\t%d\t%d\t%s\t%s\n", len(du.Images), activeImages, humanSize4(du.LayersSize), reclaimable(du.LayersSize-used, du.LayersSize))
		fmt.Fprintf(tw, "Containers\t%d\t%d\t%s\t%s\n", len(du.Containers), activeCt, humanSize4(ctTotal), reclaimable(ctIdle, ctTotal))
		fmt.Fprintf(tw, "Local Volumes\t%d\t%d\t%s\t%s\n", len(du.Volumes), activeVol, humanSize4(volTotal), reclaimable(volIdle, volTotal))
		fmt.Fprintf(tw, "Build Cache\t%d\t0\t%s\t%s\n", len(du.BuildCache), humanSize4(cacheSize), humanSize4(cacheSize))
		return tw.Flush()
	}
	fmt.Fprint(out, "Images space usage:\n\n")
	tw := newTable(out)
	fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS")
	for _, im := range du.Images {
		created := im.Created
		if cc := im.Image.Config().Created; cc != nil {
			created = *cc
		}
		// One row an image, named by its first tag, as the CLI prints it.
		repo, tag := "<none>", "<none>"
		if len(im.Tags) > 0 {
			i := strings.LastIndex(im.Tags[0], ":")
			repo, tag = im.Tags[0][:i], im.Tags[0][i+1:]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", repo, tag, im.ID.Encoded()[:12], humanDuration(now.Sub(created))+" ago",
			sim.HumanSize(im.Size), humanSize4(im.SharedSize), humanSize4(im.Size-im.SharedSize), im.Containers)
	}
	tw.Flush()
	fmt.Fprint(out, "\nContainers space usage:\n\n")
	tw = newTable(out)
	fmt.Fprintln(tw, "CONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES")
	for _, ct := range du.Containers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", ct.ShortID(), c.eng.ImageColumn(ct), commandColumn(ct.Cmd), len(ct.Mounts),
			sim.HumanSize(ct.Upper.Size()), humanDuration(now.Sub(ct.Created))+" ago", statusOf(ct, now), ct.Name)
	}
	tw.Flush()
	fmt.Fprint(out, "\nLocal Volumes space usage:\n\n")
	tw = newTable(out)
	fmt.Fprintln(tw, "VOLUME NAME\tLINKS\tSIZE")
	for _, v := range du.Volumes {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Name, v.Links, humanSize4(v.Size))
	}
	tw.Flush()
	fmt.Fprintf(out, "\nBuild cache usage: %s\n\n", humanSize4(cacheSize))
	tw = newTable(out)
	fmt.Fprintln(tw, "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED")
	for _, r := range du.BuildCache {
		fmt.Fprintf(tw, "%s\tregular\t%s\t%s ago\t%s ago\t%d\t%t\n", r.ID[:12], sim.HumanSize(r.Size),
			humanDuration(now.Sub(r.Created)), humanDuration(now.Sub(r.LastUsed)), r.Usage, r.Shared)
	}
	return tw.Flush()
}

func (c *Console) builderPrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if !f.bool("force") {
		warning := "WARNING! This will remove all dangling build cache. Are you sure you want to continue?"
		if f.bool("all") {
			warning = "WARNING! This will remove all build cache. Are you sure you want to continue?"
		}
		return refusePrompt(out, warning)
	}
	ids, reclaimed := c.eng.PruneBuildCache(f.bool("all"))
	printPruned(out, "Deleted build cache objects:", ids, reclaimed)
	return nil
}

// contextRow is one docker context ls row.
type contextRow struct{ Name, Description, DockerEndpoint, Current string }

// contextInfo describes a simulated host the way a context names its engine.
func contextInfo(name string) (desc, endpoint string) {
	if name == "laptop" {
		return "The engine on your own machine", "unix:///var/run/docker.sock"
	}
	return "A remote engine, reached over SSH", "ssh://learner@" + name
}

func (c *Console) contextLs(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	current := c.eng.Host().Name
	var rows []contextRow
	for _, h := range c.eng.Hosts() {
		d, ep := contextInfo(h)
		r := contextRow{Name: h, Description: d, DockerEndpoint: ep}
		if h == current {
			r.Current = "*"
		}
		rows = append(rows, r)
	}
	if f.bool("quiet") {
		for _, r := range rows {
			fmt.Fprintln(out, r.Name)
		}
		return nil
	}
	if tmpl := f.str("format"); tmpl != "" {
		return formatEach(out, tmpl, rows, func(r contextRow) any { return r })
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "NAME\tDESCRIPTION\tDOCKER ENDPOINT\tERROR")
	for _, r := range rows {
		name := r.Name
		if r.Current != "" {
			name += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", name, r.Description, r.DockerEndpoint)
	}
	return tw.Flush()
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
