package engine

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"layerlab/sim"
	"layerlab/sim/union"
)

// Volume is storage outside every container's writable layer: it outlives
// the containers that mount it.
type Volume struct {
	Name      string
	Anonymous bool
	Created   time.Time
	Data      *union.Overlay // its files, as a writable layer over nothing
}

// mountVolumes attaches -v volumes and the image's VOLUME paths. A named
// volume is created on first use; an anonymous one gets a random name.
func (e *Engine) mountVolumes(h *Host, c *Container, cfg dockerspec.DockerOCIImage, specs []string) error {
	seen := map[string]bool{}
	for _, spec := range specs {
		name, dest, ok := strings.Cut(spec, ":")
		if !ok {
			name, dest = "", spec
		}
		if opt := strings.LastIndex(dest, ":"); opt > 0 {
			dest = dest[:opt] // ":ro" and friends
		}
		if !path.IsAbs(dest) {
			return fmt.Errorf("Error response from daemon: invalid volume specification: '%s': invalid mount config for type \"volume\": invalid mount path: '%s' mount path must be absolute", spec, dest)
		}
		if strings.HasPrefix(name, "/") || strings.HasPrefix(name, ".") {
			return fmt.Errorf("Error response from daemon: bind mounts of host paths are not simulated: layerlab has no host filesystem; use a named volume such as -v data:%s", dest)
		}
		v, err := e.volume(h, name)
		if err != nil {
			return err
		}
		dest = path.Clean(dest)
		seen[dest] = true
		c.Mounts = append(c.Mounts, Mount{Type: "volume", Name: v.Name, Destination: dest, Anonymous: v.Anonymous})
		e.emit.Send(sim.EvVolumeMounted, sim.VolumeMounted{Name: v.Name, Container: c.Name, Path: dest})
	}
	var imageVols []string
	for p := range cfg.Config.Volumes {
		imageVols = append(imageVols, p)
	}
	sort.Strings(imageVols)
	for _, p := range imageVols {
		dest := path.Clean(p)
		if seen[dest] {
			continue
		}
		v, err := e.volume(h, "")
		if err != nil {
			return err
		}
		c.Mounts = append(c.Mounts, Mount{Type: "volume", Name: v.Name, Destination: dest, Anonymous: true})
		e.emit.Send(sim.EvVolumeMounted, sim.VolumeMounted{Name: v.Name, Container: c.Name, Path: dest})
	}
	return nil
}

// volume finds or creates a volume; "" makes an anonymous one.
func (e *Engine) volume(h *Host, name string) (*Volume, error) {
	if name != "" {
		if v, ok := h.volumes[name]; ok {
			return v, nil
		}
	}
	return e.CreateVolume(name)
}

// CreateVolume makes a volume on the current host (docker volume create).
func (e *Engine) CreateVolume(name string) (*Volume, error) {
	h := e.Host()
	anon := name == ""
	if anon {
		name = e.randomHex(32)
	} else if !validName(name) {
		return nil, fmt.Errorf("Error response from daemon: create %s: %q includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path", name, name)
	}
	if v, ok := h.volumes[name]; ok {
		return v, nil
	}
	if len(h.volumes) >= e.limits.Volumes {
		return nil, sim.LimitError("too many volumes on this host", e.limits.Volumes)
	}
	v := &Volume{Name: name, Anonymous: anon, Created: e.now, Data: union.NewOverlay(union.New(), union.Hooks{})}
	h.volumes[name] = v
	e.emit.Send(sim.EvVolumeCreated, sim.VolumeCreated{Name: name, Anonymous: anon})
	return v, nil
}

// Volumes lists the current host's volumes by name.
func (e *Engine) Volumes() []*Volume {
	h := e.Host()
	var out []*Volume
	for _, v := range h.volumes {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
