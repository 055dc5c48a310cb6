package formatter

import (
	"strconv"
	"time"
)

// The tables of docker images, with and without --digests.
const (
	DefaultImageTableFormat           = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
	DefaultImageTableFormatWithDigest = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
)

// Image is one row of docker images: an image under one of its names.
type Image struct {
	ID         string // "sha256:…"
	Repository string // "<none>" for a dangling image
	Tag        string
	Digest     string // "<none>" when no registry digest is known
	Created    time.Time
	Size       int64
	Containers int64 // -1: not counted (docker images); system df -v counts
	SharedSize int64 // -1: not counted
}

// NewImageFormat is the format docker images uses for --format source.
func NewImageFormat(source string, quiet, digest bool) Format {
	if source == TableFormatKey || source == "" {
		switch {
		case quiet:
			return DefaultQuietFormat
		case digest:
			return DefaultImageTableFormatWithDigest
		default:
			return DefaultImageTableFormat
		}
	}
	f := Format(source)
	if f.IsTable() && digest && !f.Contains("{{.Digest}}") {
		f += `\t{{.Digest}}`
	}
	return f
}

// ImageWrite prints images.
func ImageWrite(ctx Context, images []Image) error {
	rows := make([]SubContext, len(images))
	for i := range images {
		rows[i] = &imageContext{trunc: ctx.Trunc, now: ctx.Now, i: images[i]}
	}
	return ctx.Write(newImageContext(), rows)
}

type imageContext struct {
	HeaderContext
	trunc bool
	now   time.Time
	i     Image
}

func newImageContext() *imageContext {
	c := &imageContext{}
	c.Header = SubHeaderContext{
		"ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
		"CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS",
		"VirtualSize": "SIZE", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
	}
	return c
}

func (c *imageContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *imageContext) ID() string {
	if c.trunc {
		return TruncateID(c.i.ID)
	}
	return c.i.ID
}

func (c *imageContext) Repository() string { return c.i.Repository }
func (c *imageContext) Tag() string        { return c.i.Tag }
func (c *imageContext) Digest() string     { return c.i.Digest }

func (c *imageContext) CreatedSince() string {
	if c.i.Created.IsZero() {
		return ""
	}
	return HumanDuration(c.now.Sub(c.i.Created)) + " ago"
}

func (c *imageContext) CreatedAt() string   { return timeString(c.i.Created) }
func (c *imageContext) Size() string        { return HumanSize3(c.i.Size) }
func (c *imageContext) VirtualSize() string { return HumanSize(c.i.Size) }

func (c *imageContext) Containers() string {
	if c.i.Containers == -1 {
		return "N/A"
	}
	return strconv.FormatInt(c.i.Containers, 10)
}

func (c *imageContext) SharedSize() string {
	if c.i.SharedSize == -1 {
		return "N/A"
	}
	return HumanSize(c.i.SharedSize)
}

func (c *imageContext) UniqueSize() string {
	if c.i.Size == -1 || c.i.SharedSize == -1 {
		return "N/A"
	}
	return HumanSize(c.i.Size - c.i.SharedSize)
}
