package formatter

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultContainerTableFormat is docker ps's table.
const DefaultContainerTableFormat = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

// Container is one container as docker ps lists it.
type Container struct {
	ID           string // 64 hex
	Names        string
	Image        string // as the IMAGE column shows it
	Command      string // the main process, joined with spaces
	Created      time.Time
	State        string
	Status       string // "Up 5 seconds", "Exited (0) 2 minutes ago"
	Ports        string
	SizeRw       int64
	SizeRootFs   int64 // 0: not shown (system df -v)
	Labels       map[string]string
	Mounts       []string // volume names
	LocalVolumes int
	Networks     []string
}

// NewContainerFormat is the format docker ps uses for --format source.
func NewContainerFormat(source string, quiet, size bool) Format {
	switch source {
	case TableFormatKey, "":
		if quiet {
			return DefaultQuietFormat
		}
		f := DefaultContainerTableFormat
		if size {
			f += `\t{{.Size}}`
		}
		return Format(f)
	}
	if quiet {
		return DefaultQuietFormat
	}
	return Format(source)
}

// ContainerWrite prints containers.
func ContainerWrite(ctx Context, containers []Container) error {
	rows := make([]SubContext, len(containers))
	for i := range containers {
		rows[i] = &ContainerContext{trunc: ctx.Trunc, now: ctx.Now, c: containers[i]}
	}
	return ctx.Write(NewContainerContext(), rows)
}

// ContainerContext is one docker ps row; its methods are the fields.
type ContainerContext struct {
	HeaderContext
	trunc bool
	now   time.Time
	c     Container
}

// NewContainerContext is an empty row with docker ps's column names, for a
// table's header or to check a template before listing.
func NewContainerContext() *ContainerContext {
	c := &ContainerContext{}
	c.Header = SubHeaderContext{
		"ID": "CONTAINER ID", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND",
		"CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE",
		"Status": "STATUS", "Size": "SIZE", "Labels": "LABELS", "Mounts": "MOUNTS",
		"LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Platform": "PLATFORM",
	}
	return c
}

// MarshalJSON is {{json .}}.
func (c *ContainerContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

// ID is the container ID, cut to 12 unless --no-trunc.
func (c *ContainerContext) ID() string {
	if c.trunc {
		return TruncateID(c.c.ID)
	}
	return c.c.ID
}

// Names is the container's name.
func (c *ContainerContext) Names() string { return c.c.Names }

// Image is the image as the container was made from it.
func (c *ContainerContext) Image() string {
	if c.c.Image == "" {
		return "<no image>"
	}
	return c.c.Image
}

// Command is the main process, quoted, cut to 20 runes unless --no-trunc.
func (c *ContainerContext) Command() string {
	cmd := c.c.Command
	if c.trunc {
		cmd = Ellipsis(cmd, 20)
	}
	return strconv.Quote(cmd)
}

// CreatedAt is when the container was made.
func (c *ContainerContext) CreatedAt() string { return timeString(c.c.Created) }

// RunningFor is how long ago the container was made.
func (c *ContainerContext) RunningFor() string { return HumanDuration(c.now.Sub(c.c.Created)) + " ago" }

// Platform is the image's platform; the simulator's images carry none.
func (c *ContainerContext) Platform() *string { return nil }

// Ports are the published and exposed ports.
func (c *ContainerContext) Ports() string { return c.c.Ports }

// State is created, running, paused, restarting, exited or dead.
func (c *ContainerContext) State() string { return c.c.State }

// Status is the state in words.
func (c *ContainerContext) Status() string { return c.c.Status }

// Size is the writable layer, then what the container sees in all.
func (c *ContainerContext) Size() string {
	rw := HumanSize3(c.c.SizeRw)
	if c.c.SizeRootFs > 0 {
		return fmt.Sprintf("%s (virtual %s)", rw, HumanSize3(c.c.SizeRootFs))
	}
	return rw
}

// Labels are key=value, sorted, comma separated.
func (c *ContainerContext) Labels() string { return joinLabels(c.c.Labels) }

// Label is one label's value.
func (c *ContainerContext) Label(name string) string { return c.c.Labels[name] }

// Mounts are the volumes' names, each cut to 15 runes unless --no-trunc.
func (c *ContainerContext) Mounts() string {
	names := make([]string, 0, len(c.c.Mounts))
	for _, n := range c.c.Mounts {
		if c.trunc {
			n = Ellipsis(n, 15)
		}
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// LocalVolumes counts the container's volumes.
func (c *ContainerContext) LocalVolumes() string { return strconv.Itoa(c.c.LocalVolumes) }

// Networks are the networks the container is attached to.
func (c *ContainerContext) Networks() string { return strings.Join(c.c.Networks, ",") }

// joinLabels is key=value, sorted, comma separated. docker/cli sorts a
// container's labels and leaves a volume's or network's in map order; the
// simulator sorts them all, so a transcript reads the same twice.
func joinLabels(labels map[string]string) string {
	out := make([]string, 0, len(labels))
	for k, v := range labels {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
