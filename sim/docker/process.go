package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/layerlab/layerlab/sim/docker/formatter"
	"github.com/layerlab/layerlab/sim/engine"
)

// port is docker port: a running container's published ports, or the host
// addresses of one of them.
func (c *Console) port(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	if !ct.Running() {
		return nil // a stopped container publishes nothing
	}
	type mapping struct{ container, host string }
	var all []mapping
	for _, p := range ct.Ports {
		host := p.HostPort
		if host == "" {
			host = "32768"
		}
		if p.HostIP != "" {
			all = append(all, mapping{p.ContainerPort, p.HostIP + ":" + host})
			continue
		}
		all = append(all, mapping{p.ContainerPort, "0.0.0.0:" + host}, mapping{p.ContainerPort, "[::]:" + host})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].container < all[j].container })
	if len(args) == 1 {
		for _, m := range all {
			fmt.Fprintf(out, "%s -> %s\n", m.container, m.host)
		}
		return nil
	}
	want := args[1]
	if !strings.Contains(want, "/") {
		want += "/tcp"
	}
	found := false
	for _, m := range all {
		if m.container == want {
			fmt.Fprintln(out, m.host)
			found = true
		}
	}
	if !found {
		return fmt.Errorf("Error: No public port '%s' published for %s", args[1], args[0])
	}
	return nil
}

// top is docker top: the container's processes, in ps -ef's columns.
func (c *Console) top(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	procs, err := c.eng.Top(ct)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD")
	for _, p := range procs {
		fmt.Fprintln(tw, strings.Join([]string{p.UID, p.PID, p.PPID, p.C, p.STIME, p.TTY, p.TIME, p.CMD}, "\t"))
	}
	return tw.Flush()
}

// stats is docker stats. The console prints one sample; without
// --no-stream docker would refresh it every second until interrupted.
func (c *Console) stats(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var list []*engine.Container
	var failed []string
	if len(args) == 0 {
		for _, ct := range c.eng.Containers() {
			if f.bool("all") || ct.Running() {
				list = append(list, ct)
			}
		}
	}
	for _, ref := range args {
		ct, err := c.eng.FindContainer(ref)
		if err != nil {
			failed = append(failed, errorText(err))
			continue
		}
		list = append(list, ct)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	rows := make([]formatter.Stats, len(list))
	for i, ct := range list {
		s := c.eng.Stats(ct)
		rows[i] = formatter.Stats{ID: ct.ID, Name: ct.Name, MemUsage: engine.StatsString(s.MemUsage), MemLimit: engine.StatsString(s.MemLimit), PIDs: s.PIDs}
		if s.MemLimit > 0 {
			rows[i].MemPerc = float64(s.MemUsage) * 100 / float64(s.MemLimit)
		}
	}
	err := formatter.StatsWrite(formatter.Context{Output: out, Format: formatter.NewStatsFormat(f.str("format")), Trunc: !f.bool("no-trunc")}, rows)
	if err == nil && !f.bool("no-stream") {
		fmt.Fprintln(out, "[layerlab: one sample; docker stats would refresh it every second until Ctrl-C. The figures are typical values, not measurements.]")
	}
	return err
}

// attach connects the console to a running container's main process: an
// interactive shell takes the console's lines until exit; anything else
// would hold the console, so it says so and lets go at once.
func (c *Console) attach(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[0])
	if err != nil {
		return err
	}
	switch ct.State {
	case engine.Paused:
		return errors.New("You cannot attach to a paused container, unpause it first")
	case engine.Running:
	default:
		return errors.New("You cannot attach to a stopped container, start it first")
	}
	if ct.Stdin && ct.TTY && !f.bool("no-stdin") && len(ct.Cmd) == 1 && isShellName(ct.Cmd[0]) {
		sess, err := c.eng.Attach(ct, ct.Cmd, true, "", nil, "")
		if err != nil {
			return err
		}
		c.session = sess
		return nil
	}
	fmt.Fprintf(out, "[layerlab: attached to %s, whose main process keeps running; the console detached again (Ctrl-P Ctrl-Q). docker logs %s shows what it printed.]\n", ct.Name, ct.Name)
	return nil
}
