package engine

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/union"
)

// Volume is storage outside every container's writable layer: it outlives
// the containers that mount it.
type Volume struct {
	Name      string
	Anonymous bool
	Created   time.Time
	Data      *union.Overlay // its files, as a writable layer over nothing
	filled    bool           // mounted once: never pre-filled again
}

// mountVolumes attaches -v volumes and the image's VOLUME paths. A named
// volume is created on first use; an anonymous one gets a random name.
//
// A volume that is still empty when first mounted over image content gets a
// copy of that content, as the daemon gives it.
func (e *Engine) mountVolumes(h *Host, c *Container, view *union.FS, cfg dockerspec.DockerOCIImage, specs, from []string) ([]mountPoint, error) {
	var mounts []mountPoint
	ro := false // the mode of the volume being attached
	attach := func(v *Volume, dest string) error {
		if v.Data.Empty() && !v.filled {
			if err := prefill(view, dest, v.Data); err != nil {
				return errdefs.System(fmt.Errorf("copying image content into volume %s: %w", v.Name, err))
			}
		}
		v.filled = true
		mounts = append(mounts, mountPoint{dest: dest, vol: v.Data, name: v.Name, ro: ro})
		c.Mounts = append(c.Mounts, Mount{Type: "volume", Name: v.Name, Destination: dest, Anonymous: v.Anonymous, ReadOnly: ro})
		e.emit.Send(sim.EvVolumeMounted, sim.VolumeMounted{Name: v.Name, Container: c.Name, Path: dest})
		return nil
	}
	seen := map[string]bool{}
	for _, spec := range specs {
		name, dest, ok := strings.Cut(spec, ":")
		if !ok {
			name, dest = "", spec
		}
		ro = false
		if opt := strings.LastIndex(dest, ":"); opt > 0 {
			for _, o := range strings.Split(dest[opt+1:], ",") {
				switch o {
				case "ro":
					ro = true
				case "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated":
				default:
					return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mode: %s", dest[opt+1:]))
				}
			}
			dest = dest[:opt]
		}
		if !path.IsAbs(dest) {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid volume specification: '%s': invalid mount config for type \"volume\": invalid mount path: '%s' mount path must be absolute", spec, dest))
		}
		if strings.HasPrefix(name, "/") || strings.HasPrefix(name, ".") {
			return nil, errdefs.NotImplemented(fmt.Errorf("bind mounts of host paths are not simulated: layerlab has no host filesystem; use a named volume such as -v data:%s", dest))
		}
		dest = path.Clean(dest)
		if seen[dest] {
			return nil, errdefs.InvalidParameter(fmt.Errorf("Duplicate mount point: %s", dest))
		}
		v, err := e.volume(h, name)
		if err != nil {
			return nil, err
		}
		seen[dest] = true
		if err := attach(v, dest); err != nil {
			return nil, err
		}
	}
	// --volumes-from: the other container's volumes at the same paths, in
	// its mode unless :ro or :rw says otherwise.
	for _, spec := range from {
		ref, mode, _ := strings.Cut(spec, ":")
		switch mode {
		case "", "ro", "rw":
		default:
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid mode: %s", mode))
		}
		src, err := h.findContainer(ref)
		if err != nil {
			return nil, err
		}
		for _, m := range src.Mounts {
			if seen[m.Destination] {
				continue
			}
			v, ok := h.volumes[m.Name]
			if !ok {
				continue
			}
			ro = m.ReadOnly
			if mode != "" {
				ro = mode == "ro"
			}
			seen[m.Destination] = true
			if err := attach(v, m.Destination); err != nil {
				return nil, err
			}
		}
	}
	ro = false
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
			return nil, err
		}
		if err := attach(v, dest); err != nil {
			return nil, err
		}
	}
	return mounts, nil
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
		return nil, errdefs.InvalidParameter(fmt.Errorf("create %s: %q includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path", name, name))
	}
	if v, ok := h.volumes[name]; ok {
		return v, nil
	}
	if len(h.volumes) >= e.limits.Volumes {
		return nil, errdefs.Unavailable(sim.LimitError("too many volumes on this host", e.limits.Volumes))
	}
	v := &Volume{Name: name, Anonymous: anon, Created: e.now, Data: union.NewOverlay(union.New(), union.Hooks{})}
	v.Data.SetQuota(e.quota())
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

// FindVolume finds a volume on the current host by name.
func (e *Engine) FindVolume(name string) (*Volume, error) {
	if v, ok := e.Host().volumes[name]; ok {
		return v, nil
	}
	return nil, notFound("volume", name)
}

// volumeUsers lists the containers that mount a volume.
func (h *Host) volumeUsers(name string) []*Container {
	var out []*Container
	for _, c := range h.containers {
		for _, m := range c.Mounts {
			if m.Name == name {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// RemoveVolume is docker volume rm: a volume a container mounts (in any
// state) stays.
func (e *Engine) RemoveVolume(name string, force bool) error {
	h := e.Host()
	if _, ok := h.volumes[name]; !ok {
		if force {
			return nil
		}
		return notFound("volume", name)
	}
	if users := h.volumeUsers(name); len(users) > 0 {
		var ids []string
		for _, c := range users {
			ids = append(ids, c.ID)
		}
		return errdefs.Conflict(fmt.Errorf("remove %s: volume is in use - [%s]", name, strings.Join(ids, ", ")))
	}
	delete(h.volumes, name)
	e.emit.Send(sim.EvVolumeRemoved, sim.VolumeRemoved{Name: name})
	return nil
}

// PruneVolumes is docker volume prune: by default only anonymous volumes no
// container uses go (Docker 23 and later); all also takes named ones.
func (e *Engine) PruneVolumes(all bool) (names []string, reclaimed int64) {
	h := e.Host()
	for _, v := range e.Volumes() {
		if (!v.Anonymous && !all) || len(h.volumeUsers(v.Name)) > 0 {
			continue
		}
		reclaimed += v.Data.Size()
		names = append(names, v.Name)
		delete(h.volumes, v.Name)
		e.emit.Send(sim.EvVolumeRemoved, sim.VolumeRemoved{Name: v.Name})
	}
	return names, reclaimed
}

// VolumeJSON is docker volume inspect.
type VolumeJSON struct {
	CreatedAt  string
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
}

// InspectVolume is docker volume inspect NAME.
func (e *Engine) InspectVolume(v *Volume) VolumeJSON {
	var labels map[string]string
	if v.Anonymous {
		labels = map[string]string{"com.docker.volume.anonymous": ""}
	}
	return VolumeJSON{CreatedAt: v.Created.UTC().Format(time.RFC3339), Driver: "local", Labels: labels,
		Mountpoint: "/var/lib/docker/volumes/" + v.Name + "/_data", Name: v.Name, Options: nil, Scope: "local"}
}
