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
		return sim.HumanSize(n)
	}
	return fmt.Sprintf("%s (%d%%)", sim.HumanSize(n), n*100/total)
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
	if !f.bool("verbose") {
		tw := newTable(out)
		fmt.Fprintln(tw, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE")
		fmt.Fprintf(tw, "Images\t%d\t%d\t%s\t%s\n", len(du.Images), activeImages, sim.HumanSize(du.LayersSize), reclaimable(du.LayersSize-used, du.LayersSize))
		fmt.Fprintf(tw, "Containers\t%d\t%d\t%s\t%s\n", len(du.Containers), activeCt, sim.HumanSize(ctTotal), reclaimable(ctIdle, ctTotal))
		fmt.Fprintf(tw, "Local Volumes\t%d\t%d\t%s\t%s\n", len(du.Volumes), activeVol, sim.HumanSize(volTotal), reclaimable(volIdle, volTotal))
		fmt.Fprintf(tw, "Build Cache\t%d\t0\t0B\t0B\n", du.BuildCache)
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
		tags := im.Tags
		if len(tags) == 0 {
			tags = []string{"<none>:<none>"}
		}
		for _, t := range tags {
			i := strings.LastIndex(t, ":")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", t[:i], t[i+1:], im.ID.Encoded()[:12], humanDuration(now.Sub(created))+" ago",
				sim.HumanSize(im.Size), sim.HumanSize(im.SharedSize), sim.HumanSize(im.Size-im.SharedSize), im.Containers)
		}
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
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Name, v.Links, sim.HumanSize(v.Size))
	}
	tw.Flush()
	fmt.Fprint(out, "\nBuild cache usage: 0B\n\n")
	tw = newTable(out)
	fmt.Fprintln(tw, "CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED")
	return tw.Flush()
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
