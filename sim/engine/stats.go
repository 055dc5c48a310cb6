package engine

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/errdefs"
)

// HostMemory is what a simulated host has: docker stats' LIMIT for a
// container without -m, docker info's Total Memory.
const HostMemory int64 = 8 << 30

// HostCPUs is how many CPUs docker info says a simulated host has.
const HostCPUs = 4

// Process is one row of docker top: a process of the container as the
// host's ps sees it.
type Process struct {
	UID, PID, PPID, C, STIME, TTY, TIME, CMD string
}

// Top lists a running container's processes (docker top): its main process,
// the only one the simulator keeps.
func (e *Engine) Top(c *Container) ([]Process, error) {
	if !c.Running() {
		return nil, errdefs.Conflict(notRunning{c.ID})
	}
	uid := "root"
	if u := c.User; u != "" && u != "0" && u != "root" {
		uid, _, _ = strings.Cut(u, ":")
	}
	tty := "?"
	if c.TTY {
		tty = "pts/0"
	}
	return []Process{{
		UID: uid, PID: strconv.Itoa(c.Pid), PPID: strconv.Itoa(c.Pid - 37), C: "0",
		STIME: c.StartedAt.Format("15:04"), TTY: tty, TIME: "00:00:00", CMD: strings.Join(c.Cmd, " "),
	}}, nil
}

// Stats is one docker stats sample of a container. The numbers are the
// simulator's: a running container's memory is a typical figure for its
// main program, not a measurement.
type Stats struct {
	MemUsage, MemLimit int64
	PIDs               int
}

// Stats samples a container. A container that is not running uses nothing.
func (e *Engine) Stats(c *Container) Stats {
	if !c.Running() {
		return Stats{}
	}
	return Stats{MemUsage: typicalMemory(c.Cmd), MemLimit: HostMemory, PIDs: 1}
}

// typicalMemory is a plausible resident size for a main program.
func typicalMemory(argv []string) int64 {
	if len(argv) == 0 {
		return 0
	}
	name := path.Base(argv[0])
	switch {
	case strings.HasPrefix(name, "python"), name == "gunicorn", name == "uvicorn", name == "flask":
		return 24 << 20
	case name == "node", name == "npm":
		return 42 << 20
	case name == "nginx":
		return 6 << 20
	case name == "redis-server":
		return 3 << 20
	case name == "postgres", name == "mysqld":
		return 60 << 20
	}
	return 320 << 10
}

// StatsString words a size in binary units, as docker stats does
// (go-units BytesSize: "320KiB", "23.54GiB").
func StatsString(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}
