package docker

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/docker/formatter"
	"github.com/layerlab/layerlab/sim/engine"
)

// filtersOf reads --filter key=value flags as the CLI does: a value without
// "=" is the flag's own error, before anything reaches the daemon.
func filtersOf(f *flagSet) (engine.Filters, error) {
	filters := engine.Filters{}
	for _, v := range f.list("filter") {
		k, val, ok := strings.Cut(v, "=")
		if !ok {
			return nil, &usageError{msg: fmt.Sprintf("invalid argument %q for \"-f, --filter\" flag: bad format of filter (expected name=value)", v)}
		}
		filters.Add(strings.ToLower(strings.TrimSpace(k)), val)
	}
	return filters, nil
}

func (c *Console) ps(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	format, quiet := f.str("format"), f.bool("quiet")
	if format != "" && quiet {
		fmt.Fprintln(out, "WARNING: Ignoring custom format, because both --format and --quiet are set.")
	}
	// docker/cli checks a custom format before it asks the daemon anything.
	if format != "" {
		tmpl, err := formatter.Parse(format)
		if err != nil {
			return fmt.Errorf("failed to parse template: %w", err)
		}
		if err := tmpl.Execute(io.Discard, formatter.NewContainerContext()); err != nil {
			return fmt.Errorf("failed to execute template: %w", err)
		}
	}
	filters, err := filtersOf(f)
	if err != nil {
		return err
	}
	last := -1
	if f.changed("last") {
		last = f.int("last")
	}
	if f.bool("latest") && last == -1 {
		last = 1
	}
	list, err := c.eng.ListContainers(filters, f.bool("all") || last > 0)
	if err != nil {
		return err
	}
	if last > 0 && last < len(list) {
		list = list[:last]
	}
	now := c.eng.Now()
	rows := make([]formatter.Container, len(list))
	for i, ct := range list {
		rows[i] = c.containerRow(ct, now)
	}
	return formatter.ContainerWrite(formatter.Context{
		Output: out, Format: formatter.NewContainerFormat(format, quiet, f.bool("size")),
		Trunc: !f.bool("no-trunc"), Now: now,
	}, rows)
}

// containerRow is a container as the formatter lists it.
func (c *Console) containerRow(ct *engine.Container, now time.Time) formatter.Container {
	rw, rootfs := ct.ContainerSize()
	r := formatter.Container{
		ID: ct.ID, Names: ct.Name, Image: c.eng.ImageColumn(ct), Command: strings.Join(ct.Cmd, " "),
		Created: ct.Created, State: ct.State, Status: statusOf(ct, now), Ports: portsOf(ct),
		SizeRw: rw, SizeRootFs: rootfs, Labels: c.eng.InspectContainer(ct, false).Config.Labels,
		Networks: c.eng.NetworksOf(ct),
	}
	for _, m := range ct.Mounts {
		r.Mounts = append(r.Mounts, m.Name)
		if m.Type != "bind" {
			r.LocalVolumes++
		}
	}
	return r
}

// statusOf is docker ps's STATUS column.
func statusOf(ct *engine.Container, now time.Time) string {
	switch ct.State {
	case engine.Running:
		return "Up " + formatter.HumanDuration(now.Sub(ct.StartedAt))
	case engine.Paused:
		return "Up " + formatter.HumanDuration(now.Sub(ct.StartedAt)) + " (Paused)"
	case engine.Exited:
		return fmt.Sprintf("Exited (%d) %s ago", ct.ExitCode, formatter.HumanDuration(now.Sub(ct.FinishedAt)))
	case engine.Created:
		return "Created"
	case engine.Restarting:
		return fmt.Sprintf("Restarting (%d) %s ago", ct.ExitCode, formatter.HumanDuration(now.Sub(ct.FinishedAt)))
	}
	return ct.State
}

// portsOf is docker ps's PORTS column: published ports while running.
func portsOf(ct *engine.Container) string {
	if ct.State != engine.Running && ct.State != engine.Paused {
		return ""
	}
	var parts []string
	published := map[string]bool{}
	for _, p := range ct.Ports {
		published[p.ContainerPort] = true
		host := p.HostPort
		if host == "" {
			host = "32768"
		}
		if p.HostIP != "" {
			parts = append(parts, fmt.Sprintf("%s:%s->%s", p.HostIP, host, p.ContainerPort))
		} else {
			parts = append(parts, fmt.Sprintf("0.0.0.0:%s->%s", host, p.ContainerPort), fmt.Sprintf("[::]:%s->%s", host, p.ContainerPort))
		}
	}
	var exposed []string
	for _, p := range ct.ExposedPorts() {
		if !published[p] {
			exposed = append(exposed, p)
		}
	}
	sort.Strings(exposed)
	return strings.Join(append(parts, exposed...), ", ")
}

func (c *Console) images(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	filters, err := filtersOf(f)
	if err != nil {
		return err
	}
	if len(args) == 1 {
		filters.Add("reference", args[0])
	}
	list, err := c.eng.ListImages(filters, f.bool("all"))
	if err != nil {
		return err
	}
	format := f.str("format")
	showDigests := f.bool("digests")
	fmtd := formatter.NewImageFormat(format, f.bool("quiet"), showDigests)
	needDigest := showDigests || fmtd.Contains("{{.Digest}}")
	var rows []formatter.Image
	for _, im := range list {
		base := formatter.Image{ID: im.ID.String(), Created: im.ConfigCreated(), Size: im.Size, Containers: -1, SharedSize: -1}
		rows = append(rows, imageRows(base, im.RepoTags, im.RepoDigests, needDigest, showDigests)...)
	}
	if err := formatter.ImageWrite(formatter.Context{Output: out, Format: fmtd, Trunc: !f.bool("no-trunc"), Now: c.eng.Now()}, rows); err != nil {
		return err
	}
	if len(args) == 1 && len(list) == 0 {
		switch args[0] {
		case "build", "history", "import", "inspect", "list", "load", "ls", "prune", "pull", "push", "rm", "save", "tag":
			fmt.Fprintf(out, "\nNo images found matching %q: did you mean \"docker image %s\"?\n", args[0], args[0])
		}
	}
	return nil
}

// imageRows spreads one image over its rows, as docker/cli does: a row a
// repository and tag (times each digest when digests are shown), then a row
// for each repository known only by digest; a dangling image is one row of
// <none>.
func imageRows(base formatter.Image, tags, digests []string, needDigest, showDigests bool) []formatter.Image {
	if len(tags) == 0 && len(digests) == 0 {
		base.Repository, base.Tag, base.Digest = "<none>", "<none>", "<none>"
		return []formatter.Image{base}
	}
	repoTags, repoDigests := map[string][]string{}, map[string][]string{}
	var repos []string
	for _, t := range tags {
		i := strings.LastIndex(t, ":")
		if _, ok := repoTags[t[:i]]; !ok {
			repos = append(repos, t[:i])
		}
		repoTags[t[:i]] = append(repoTags[t[:i]], t[i+1:])
	}
	for _, d := range digests {
		name, dg, _ := strings.Cut(d, "@")
		repoDigests[name] = append(repoDigests[name], dg)
	}
	var out []formatter.Image
	add := func(repo, tag, digest string) {
		r := base
		r.Repository, r.Tag, r.Digest = repo, tag, digest
		out = append(out, r)
	}
	sort.Strings(repos)
	for _, repo := range repos {
		ds := repoDigests[repo]
		delete(repoDigests, repo)
		if !needDigest {
			ds = nil
		}
		for _, tag := range repoTags[repo] {
			if len(ds) == 0 {
				add(repo, tag, "<none>")
				continue
			}
			for _, d := range ds {
				add(repo, tag, d)
			}
		}
	}
	var rest []string
	for repo := range repoDigests {
		rest = append(rest, repo)
	}
	sort.Strings(rest)
	for _, repo := range rest {
		if !showDigests {
			add(repo, "<none>", "")
			continue
		}
		for _, d := range repoDigests[repo] {
			add(repo, "<none>", d)
		}
	}
	return out
}

func (c *Console) history(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	entries, err := c.eng.History(args[0])
	if err != nil {
		return err
	}
	human := f.str("human") != "false"
	rows := make([]formatter.History, len(entries))
	for i, e := range entries {
		rows[i] = formatter.History{ID: e.ID, Created: e.Created, CreatedBy: e.CreatedBy, Size: e.Size, Comment: e.Comment}
	}
	return formatter.HistoryWrite(formatter.Context{
		Output: out, Format: formatter.NewHistoryFormat(f.str("format"), f.bool("quiet"), human),
		Trunc: !f.bool("no-trunc"), Now: c.eng.Now(),
	}, human, rows)
}

func (c *Console) volumeLs(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	filters, err := filtersOf(f)
	if err != nil {
		return err
	}
	list, err := c.eng.ListVolumes(filters)
	if err != nil {
		return err
	}
	rows := make([]formatter.Volume, len(list))
	for i, v := range list {
		rows[i] = volumeRow(v.Volume)
		rows[i].Links, rows[i].Size = -1, -1
	}
	return formatter.VolumeWrite(formatter.Context{Output: out, Format: formatter.NewVolumeFormat(f.str("format"), f.bool("quiet"))}, rows)
}

func volumeRow(v *engine.Volume) formatter.Volume {
	return formatter.Volume{Name: v.Name, Driver: "local", Scope: "local", Mountpoint: "/var/lib/docker/volumes/" + v.Name + "/_data"}
}

func (c *Console) systemDF(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	du := c.eng.DiskUsage()
	d := formatter.DiskUsage{LayersSize: du.LayersSize}
	for _, im := range du.Images {
		row := formatter.Image{ID: im.ID.String(), Repository: "<none>", Tag: "<none>", Created: im.ConfigCreated(),
			Size: im.Size, Containers: int64(im.Containers), SharedSize: im.SharedSize}
		// One row an image, named by its first tag, as the CLI prints it.
		if len(im.Tags) > 0 {
			i := strings.LastIndex(im.Tags[0], ":")
			row.Repository, row.Tag = im.Tags[0][:i], im.Tags[0][i+1:]
		}
		d.Images = append(d.Images, row)
	}
	now := c.eng.Now()
	for _, ct := range du.Containers {
		d.Containers = append(d.Containers, c.containerRow(ct, now))
	}
	for _, v := range du.Volumes {
		row := volumeRow(v.Volume)
		row.Links, row.Size = int64(v.Links), v.Size
		d.Volumes = append(d.Volumes, row)
	}
	// The build cache's size leaves out records an image shares: those
	// bytes are already counted under Images. No build runs between two
	// console commands, so no record is in use.
	for _, r := range du.BuildCache {
		if !r.Shared {
			d.BuilderSize += r.Size
		}
		d.BuildCache = append(d.BuildCache, formatter.CacheRecord{ID: r.ID, CacheType: "regular", Size: r.Size,
			Created: r.Created, LastUsed: r.LastUsed, UsageCount: r.Usage, Shared: r.Shared})
	}
	verbose := f.bool("verbose")
	return formatter.DiskUsageWrite(formatter.Context{Output: out, Format: formatter.NewDiskUsageFormat(f.str("format"), verbose), Now: now}, d, verbose)
}

// contextInfo describes a simulated host the way a context names its engine.
func contextInfo(name string) (desc, endpoint string) {
	if name == "laptop" {
		return "The engine on your own machine", "unix:///var/run/docker.sock"
	}
	return "A remote engine, reached over SSH", "ssh://learner@" + name
}

func (c *Console) contextLs(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	current := c.eng.Host().Name
	var rows []formatter.DockerContext
	for _, h := range c.eng.Hosts() {
		d, ep := contextInfo(h)
		rows = append(rows, formatter.DockerContext{Name: h, Description: d, DockerEndpoint: ep, Current: h == current})
	}
	return formatter.ContextWrite(formatter.Context{Output: out, Format: formatter.NewContextFormat(f.str("format"), f.bool("quiet"))}, rows)
}
