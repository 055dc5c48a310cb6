package formatter

import "strconv"

// DefaultVolumeTableFormat is docker volume ls's table.
const DefaultVolumeTableFormat = "table {{.Driver}}\t{{.Name}}"

// Volume is one volume.
type Volume struct {
	Name       string
	Driver     string
	Scope      string
	Mountpoint string
	Labels     map[string]string
	Links      int64 // -1: not counted (volume ls); system df counts
	Size       int64 // -1: not measured
}

// NewVolumeFormat is the format docker volume ls uses for --format source.
func NewVolumeFormat(source string, quiet bool) Format {
	if source == TableFormatKey || source == "" {
		if quiet {
			return "{{.Name}}"
		}
		return DefaultVolumeTableFormat
	}
	return Format(source)
}

// VolumeWrite prints volumes.
func VolumeWrite(ctx Context, volumes []Volume) error {
	rows := make([]SubContext, len(volumes))
	for i := range volumes {
		rows[i] = &volumeContext{v: volumes[i]}
	}
	return ctx.Write(newVolumeContext(), rows)
}

type volumeContext struct {
	HeaderContext
	v Volume
}

func newVolumeContext() *volumeContext {
	c := &volumeContext{}
	c.Header = SubHeaderContext{
		"ID": "ID", "Name": "VOLUME NAME", "Group": "GROUP", "Driver": "DRIVER", "Scope": "SCOPE",
		"Availability": "AVAILABILITY", "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
		"Links": "LINKS", "Size": "SIZE", "Status": "STATUS",
	}
	return c
}

func (c *volumeContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *volumeContext) Name() string             { return c.v.Name }
func (c *volumeContext) Driver() string           { return c.v.Driver }
func (c *volumeContext) Scope() string            { return c.v.Scope }
func (c *volumeContext) Mountpoint() string       { return c.v.Mountpoint }
func (c *volumeContext) Labels() string           { return joinLabels(c.v.Labels) }
func (c *volumeContext) Label(name string) string { return c.v.Labels[name] }

// Group, Availability and Status belong to cluster volumes, which a single
// engine has none of.
func (c *volumeContext) Group() string        { return "N/A" }
func (c *volumeContext) Availability() string { return "N/A" }
func (c *volumeContext) Status() string       { return "N/A" }

func (c *volumeContext) Links() string {
	if c.v.Links < 0 {
		return "N/A"
	}
	return strconv.FormatInt(c.v.Links, 10)
}

func (c *volumeContext) Size() string {
	if c.v.Size < 0 {
		return "N/A"
	}
	return HumanSize(c.v.Size)
}
