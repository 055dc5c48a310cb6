package engine

import (
	"github.com/opencontainers/go-digest"
)

// DiskImage is one image in docker system df -v.
type DiskImage struct {
	ImageInfo
	SharedSize int64 // bytes in layers that another image on the host also holds
	Containers int   // containers made from it, in any state
}

// DiskUsage is docker system df: what the host stores, each layer counted
// once however many images share it.
type DiskUsage struct {
	Images     []DiskImage
	LayersSize int64 // all distinct image layers
	Containers []*Container
	Volumes    []VolumeUsage
	BuildCache []CacheRecord
}

// VolumeUsage is a volume with its size and how many containers mount it.
type VolumeUsage struct {
	*Volume
	Links int
	Size  int64
}

// DiskUsage computes docker system df for the current host.
func (e *Engine) DiskUsage() DiskUsage {
	h := e.Host()
	holders := map[digest.Digest]int{}
	size := map[digest.Digest]int64{}
	infos := h.imageInfos()
	for _, im := range infos {
		seen := map[digest.Digest]bool{}
		for _, l := range im.Layers {
			if !seen[l.DiffID] {
				seen[l.DiffID] = true
				holders[l.DiffID]++
				size[l.DiffID] = l.Size
			}
		}
	}
	var du DiskUsage
	for _, s := range size {
		du.LayersSize += s
	}
	for _, im := range infos {
		d := DiskImage{ImageInfo: im}
		seen := map[digest.Digest]bool{}
		for _, l := range im.Layers {
			if !seen[l.DiffID] && holders[l.DiffID] > 1 {
				d.SharedSize += l.Size
			}
			seen[l.DiffID] = true
		}
		for _, c := range h.containers {
			if c.Image.ID() == im.ID {
				d.Containers++
			}
		}
		du.Images = append(du.Images, d)
	}
	du.Containers = e.Containers()
	for _, v := range e.Volumes() {
		vu := VolumeUsage{Volume: v, Size: v.Data.Size()}
		for _, c := range h.containers {
			for _, m := range c.Mounts {
				if m.Name == v.Name {
					vu.Links++
				}
			}
		}
		du.Volumes = append(du.Volumes, vu)
	}
	du.BuildCache = e.BuildCache()
	return du
}
