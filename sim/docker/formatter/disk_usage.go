package formatter

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The tables of docker system df, the summary and -v's four sections.
const (
	DefaultDiskUsageTableFormat           = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
	defaultDiskUsageImageTableFormat      = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}"
	defaultDiskUsageContainerTableFormat  = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}"
	defaultDiskUsageVolumeTableFormat     = "table {{.Name}}\t{{.Links}}\t{{.Size}}"
	defaultDiskUsageBuildCacheTableFormat = "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}"
)

// CacheRecord is one build cache record.
type CacheRecord struct {
	ID          string
	CacheType   string
	Description string
	Size        int64
	Created     time.Time
	LastUsed    time.Time
	UsageCount  int
	InUse       bool
	Shared      bool
}

// DiskUsage is everything docker system df counts. Images carry their
// Containers and SharedSize; containers their SizeRw; volumes their Links
// and Size.
type DiskUsage struct {
	LayersSize  int64
	Images      []Image
	Containers  []Container
	Volumes     []Volume
	BuildCache  []CacheRecord
	BuilderSize int64
}

// NewDiskUsageFormat is the format docker system df uses for --format source.
func NewDiskUsageFormat(source string, verbose bool) Format {
	if !verbose && (source == TableFormatKey || source == "") {
		return DefaultDiskUsageTableFormat
	}
	if verbose && source == "" {
		return TableFormatKey
	}
	return Format(source)
}

// DiskUsageWrite prints docker system df: one row a kind of object, or with
// verbose each object under its kind's heading.
func DiskUsageWrite(ctx Context, du DiskUsage, verbose bool) error {
	if verbose {
		return diskUsageVerbose(ctx, du)
	}
	header := &diskUsageContainersContext{}
	header.Header = SubHeaderContext{
		"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE",
	}
	return ctx.Write(header, []SubContext{
		&diskUsageImagesContext{totalSize: du.LayersSize, images: du.Images},
		&diskUsageContainersContext{containers: du.Containers},
		&diskUsageVolumesContext{volumes: du.Volumes},
		&diskUsageBuilderContext{builderSize: du.BuilderSize, cache: du.BuildCache},
	})
}

// diskUsageLists is what a custom -v format runs against once: every
// object, as lists of rows.
type diskUsageLists struct {
	Images     []*imageContext
	Containers []*ContainerContext
	Volumes    []*volumeContext
	BuildCache []*buildCacheContext
}

func diskUsageVerbose(ctx Context, du DiskUsage) error {
	trunc := ctx.Format.IsTable()
	var lists diskUsageLists
	for _, im := range du.Images {
		lists.Images = append(lists.Images, &imageContext{trunc: trunc, now: ctx.Now, i: im})
	}
	for _, c := range du.Containers {
		c.SizeRootFs = 0 // no virtual size here
		lists.Containers = append(lists.Containers, &ContainerContext{trunc: trunc, now: ctx.Now, c: c})
	}
	for _, v := range du.Volumes {
		lists.Volumes = append(lists.Volumes, &volumeContext{v: v})
	}
	for _, r := range du.BuildCache {
		lists.BuildCache = append(lists.BuildCache, &buildCacheContext{trunc: trunc, now: ctx.Now, r: r})
	}
	if ctx.Format != TableFormatKey {
		tmpl, err := Parse(ctx.finalFormat())
		if err != nil {
			return fmt.Errorf("template parsing error: %w", err)
		}
		b := &cappedBuffer{max: ctx.maxBytes()}
		if err := tmpl.Execute(b, lists); err != nil {
			if errors.Is(err, ErrTooLong) {
				return ErrTooLong
			}
			return fmt.Errorf("template parsing error: %w", err)
		}
		_, err = b.WriteTo(ctx.Output)
		return err
	}
	section := func(title, format string, header SubContext, rows []SubContext) error {
		io.WriteString(ctx.Output, title)
		sub := ctx
		sub.Format = Format(format)
		return sub.Write(header, rows)
	}
	rows := func(n int, at func(int) SubContext) []SubContext {
		out := make([]SubContext, n)
		for i := range out {
			out[i] = at(i)
		}
		return out
	}
	if err := section("Images space usage:\n\n", defaultDiskUsageImageTableFormat, newImageContext(),
		rows(len(lists.Images), func(i int) SubContext { return lists.Images[i] })); err != nil {
		return err
	}
	if err := section("\nContainers space usage:\n\n", defaultDiskUsageContainerTableFormat, NewContainerContext(),
		rows(len(lists.Containers), func(i int) SubContext { return lists.Containers[i] })); err != nil {
		return err
	}
	if err := section("\nLocal Volumes space usage:\n\n", defaultDiskUsageVolumeTableFormat, newVolumeContext(),
		rows(len(lists.Volumes), func(i int) SubContext { return lists.Volumes[i] })); err != nil {
		return err
	}
	return section(fmt.Sprintf("\nBuild cache usage: %s\n\n", HumanSize(du.BuilderSize)), defaultDiskUsageBuildCacheTableFormat,
		newBuildCacheContext(), rows(len(lists.BuildCache), func(i int) SubContext { return lists.BuildCache[i] }))
}

// percentOf words a reclaimable size with its share of the total.
func percentOf(n, total int64) string {
	if total > 0 {
		return fmt.Sprintf("%s (%d%%)", HumanSize(n), n*100/total)
	}
	return HumanSize(n)
}

type diskUsageImagesContext struct {
	HeaderContext
	totalSize int64
	images    []Image
}

func (c *diskUsageImagesContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }
func (c *diskUsageImagesContext) Type() string                 { return "Images" }
func (c *diskUsageImagesContext) TotalCount() string           { return strconv.Itoa(len(c.images)) }
func (c *diskUsageImagesContext) Size() string                 { return HumanSize(c.totalSize) }

func (c *diskUsageImagesContext) Active() string {
	n := 0
	for _, i := range c.images {
		if i.Containers > 0 {
			n++
		}
	}
	return strconv.Itoa(n)
}

func (c *diskUsageImagesContext) Reclaimable() string {
	var used int64
	for _, i := range c.images {
		if i.Containers > 0 && i.SharedSize >= 0 {
			used += i.Size - i.SharedSize
		}
	}
	return percentOf(c.totalSize-used, c.totalSize)
}

type diskUsageContainersContext struct {
	HeaderContext
	containers []Container
}

// activeState is a state docker system df counts as in use.
func activeState(s string) bool { return s == "running" || s == "paused" || s == "restarting" }

func (c *diskUsageContainersContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }
func (c *diskUsageContainersContext) Type() string                 { return "Containers" }
func (c *diskUsageContainersContext) TotalCount() string           { return strconv.Itoa(len(c.containers)) }

func (c *diskUsageContainersContext) Active() string {
	n := 0
	for _, ct := range c.containers {
		if activeState(ct.State) {
			n++
		}
	}
	return strconv.Itoa(n)
}

func (c *diskUsageContainersContext) Size() string {
	var n int64
	for _, ct := range c.containers {
		n += ct.SizeRw
	}
	return HumanSize(n)
}

func (c *diskUsageContainersContext) Reclaimable() string {
	var idle, total int64
	for _, ct := range c.containers {
		if !activeState(ct.State) {
			idle += ct.SizeRw
		}
		total += ct.SizeRw
	}
	return percentOf(idle, total)
}

type diskUsageVolumesContext struct {
	HeaderContext
	volumes []Volume
}

func (c *diskUsageVolumesContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }
func (c *diskUsageVolumesContext) Type() string                 { return "Local Volumes" }
func (c *diskUsageVolumesContext) TotalCount() string           { return strconv.Itoa(len(c.volumes)) }

func (c *diskUsageVolumesContext) Active() string {
	n := 0
	for _, v := range c.volumes {
		if v.Links > 0 {
			n++
		}
	}
	return strconv.Itoa(n)
}

func (c *diskUsageVolumesContext) Size() string {
	var n int64
	for _, v := range c.volumes {
		if v.Size >= 0 {
			n += v.Size
		}
	}
	return HumanSize(n)
}

func (c *diskUsageVolumesContext) Reclaimable() string {
	var idle, total int64
	for _, v := range c.volumes {
		if v.Size >= 0 {
			if v.Links == 0 {
				idle += v.Size
			}
			total += v.Size
		}
	}
	return percentOf(idle, total)
}

type diskUsageBuilderContext struct {
	HeaderContext
	builderSize int64
	cache       []CacheRecord
}

func (c *diskUsageBuilderContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }
func (c *diskUsageBuilderContext) Type() string                 { return "Build Cache" }
func (c *diskUsageBuilderContext) TotalCount() string           { return strconv.Itoa(len(c.cache)) }
func (c *diskUsageBuilderContext) Size() string                 { return HumanSize(c.builderSize) }

func (c *diskUsageBuilderContext) Active() string {
	n := 0
	for _, r := range c.cache {
		if r.InUse {
			n++
		}
	}
	return strconv.Itoa(n)
}

func (c *diskUsageBuilderContext) Reclaimable() string {
	var inUse int64
	for _, r := range c.cache {
		if r.InUse && !r.Shared {
			inUse += r.Size
		}
	}
	return HumanSize(c.builderSize - inUse)
}

type buildCacheContext struct {
	HeaderContext
	trunc bool
	now   time.Time
	r     CacheRecord
}

func newBuildCacheContext() *buildCacheContext {
	c := &buildCacheContext{}
	c.Header = SubHeaderContext{
		"ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED",
		"LastUsedSince": "LAST USED", "UsageCount": "USAGE", "InUse": "IN USE", "Shared": "SHARED",
	}
	return c
}

func (c *buildCacheContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *buildCacheContext) ID() string {
	id := c.r.ID
	if c.trunc {
		id = TruncateID(id)
	}
	if c.r.InUse {
		return id + "*"
	}
	return id
}

func (c *buildCacheContext) CacheType() string   { return c.r.CacheType }
func (c *buildCacheContext) Description() string { return c.r.Description }
func (c *buildCacheContext) Size() string        { return HumanSize3(c.r.Size) }
func (c *buildCacheContext) CreatedSince() string {
	return HumanDuration(c.now.Sub(c.r.Created)) + " ago"
}
func (c *buildCacheContext) CreatedAt() string { return c.r.Created.String() }
func (c *buildCacheContext) LastUsedSince() string {
	return HumanDuration(c.now.Sub(c.r.LastUsed)) + " ago"
}
func (c *buildCacheContext) LastUsedAt() string { return c.r.LastUsed.String() }
func (c *buildCacheContext) UsageCount() string { return strconv.Itoa(c.r.UsageCount) }
func (c *buildCacheContext) InUse() string      { return strconv.FormatBool(c.r.InUse) }
func (c *buildCacheContext) Shared() string     { return strconv.FormatBool(c.r.Shared) }
func (c *buildCacheContext) Parent() string     { return "" }
