package engine

import (
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// ContainerJSON is docker inspect of a container: the fields that teach,
// named and nested as the daemon's API names them.
type ContainerJSON struct {
	ID           string `json:"Id"`
	Created      string
	Path         string
	Args         []string
	State        StateJSON
	Image        string
	Name         string
	RestartCount int
	Driver       string
	HostConfig   HostConfigJSON
	GraphDriver  GraphDriverJSON
	// SizeRw and SizeRootFs are only filled by docker inspect --size, as
	// measuring a writable layer costs the daemon a walk of it.
	SizeRw          *int64 `json:",omitempty"`
	SizeRootFs      *int64 `json:",omitempty"`
	Mounts          []MountJSON
	Config          ConfigJSON
	NetworkSettings NetworkJSON
}

// StateJSON is a container's State block.
type StateJSON struct {
	Status     string
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	ExitCode   int
	Error      string
	StartedAt  string
	FinishedAt string
}

// HostConfigJSON is the part of HostConfig a learner sets with run flags.
type HostConfigJSON struct {
	AutoRemove    bool
	Memory        int64
	RestartPolicy struct {
		Name              string
		MaximumRetryCount int
	}
	PortBindings map[string][]PortJSON
}

// GraphDriverJSON says where the layers live on the host: LowerDir is the
// image's read-only layers (top first), UpperDir the container's own.
type GraphDriverJSON struct {
	Data map[string]string
	Name string
}

// MountJSON is one volume in a container's Mounts.
type MountJSON struct {
	Type        string
	Name        string
	Source      string
	Destination string
	Driver      string
	Mode        string
	RW          bool
	Propagation string
}

// ConfigJSON is a container's Config block.
type ConfigJSON struct {
	Hostname     string
	User         string
	Tty          bool
	OpenStdin    bool
	ExposedPorts map[string]struct{} `json:",omitempty"`
	Env          []string
	Cmd          []string
	Image        string
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	Labels       map[string]string
	StopSignal   string `json:",omitempty"`
}

// NetworkJSON is the ports part of NetworkSettings.
type NetworkJSON struct {
	Ports map[string][]PortJSON
}

// PortJSON is one host binding of a container port.
type PortJSON struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

// apiTime is how the daemon writes times: RFC 3339 with nanoseconds, and
// the zero time for "never".
func apiTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// layerDir is a deterministic overlay2 directory name for a layer, derived
// from its chain ID as the daemon derives cache IDs from its own store.
func layerDir(chain digest.Digest) string {
	return "/var/lib/docker/overlay2/" + digest.FromString("cache-id:"+chain.String()).Encoded()
}

// ContainerSize is what docker ps -s and inspect --size report: the
// writable layer alone, and everything the container sees (its image's
// layers, shared with other containers, plus the writable layer).
func (c *Container) ContainerSize() (rw, rootfs int64) {
	rw = c.Upper.Size()
	return rw, rw + c.Image.Size()
}

// InspectContainer is docker inspect CONTAINER; withSize adds SizeRw and
// SizeRootFs (docker inspect --size).
func (e *Engine) InspectContainer(c *Container, withSize bool) ContainerJSON {
	cfg := c.config
	j := ContainerJSON{
		ID: c.ID, Created: apiTime(c.Created), Image: c.Image.ID().String(), Name: "/" + c.Name,
		RestartCount: c.RestartCount, Driver: "overlay2",
		State: StateJSON{
			Status: c.State, Running: c.State == Running || c.State == Paused, Paused: c.State == Paused,
			Restarting: c.State == Restarting, Pid: c.Pid, ExitCode: c.ExitCode,
			StartedAt: apiTime(c.StartedAt), FinishedAt: apiTime(c.FinishedAt),
		},
		Config: ConfigJSON{
			Hostname: c.Hostname, User: c.User, Tty: c.TTY, OpenStdin: c.Stdin, Env: c.Env,
			Image: c.ImageRef, WorkingDir: c.WorkDir, Labels: c.Labels,
			Entrypoint: c.Entrypoint, StopSignal: cfg.Config.StopSignal,
			ExposedPorts: cfg.Config.ExposedPorts, Volumes: cfg.Config.Volumes,
		},
		NetworkSettings: NetworkJSON{Ports: map[string][]PortJSON{}},
		Mounts:          []MountJSON{},
	}
	if withSize {
		rw, rootfs := c.ContainerSize()
		j.SizeRw, j.SizeRootFs = &rw, &rootfs
	}
	if len(c.Cmd) > 0 {
		j.Path, j.Args = c.Cmd[0], c.Cmd[1:]
	}
	if j.Args == nil {
		j.Args = []string{}
	}
	n := len(c.Entrypoint)
	if n <= len(c.Cmd) {
		j.Config.Cmd = c.Cmd[n:]
	}
	j.HostConfig.AutoRemove = c.AutoRm
	j.HostConfig.Memory = c.Memory
	j.HostConfig.RestartPolicy.Name = c.Restart
	j.HostConfig.RestartPolicy.MaximumRetryCount = c.MaxRetries
	j.HostConfig.PortBindings = map[string][]PortJSON{}
	for p := range cfg.Config.ExposedPorts {
		j.NetworkSettings.Ports[p] = nil
	}
	for _, p := range c.Ports {
		host := firstNonEmpty(p.HostPort, "32768")
		j.HostConfig.PortBindings[p.ContainerPort] = append(j.HostConfig.PortBindings[p.ContainerPort], PortJSON{HostIP: p.HostIP, HostPort: p.HostPort})
		if c.Running() {
			ip := firstNonEmpty(p.HostIP, "0.0.0.0")
			j.NetworkSettings.Ports[p.ContainerPort] = append(j.NetworkSettings.Ports[p.ContainerPort], PortJSON{HostIP: ip, HostPort: host})
		}
	}
	chain := chainIDs(c.Image)
	var lower []string
	for i := len(chain) - 1; i >= 0; i-- {
		lower = append(lower, layerDir(chain[i])+"/diff")
	}
	own := "/var/lib/docker/overlay2/" + digest.FromString("container:"+c.ID).Encoded()
	j.GraphDriver = GraphDriverJSON{Name: "overlay2", Data: map[string]string{
		"LowerDir":  strings.Join(lower, ":"),
		"UpperDir":  own + "/diff",
		"MergedDir": own + "/merged",
		"WorkDir":   own + "/work",
	}}
	for _, m := range c.Mounts {
		mode := ""
		if m.ReadOnly {
			mode = "ro"
		}
		j.Mounts = append(j.Mounts, MountJSON{Type: "volume", Name: m.Name, Source: "/var/lib/docker/volumes/" + m.Name + "/_data",
			Destination: m.Destination, Driver: "local", Mode: mode, RW: !m.ReadOnly})
	}
	return j
}

// ImageJSON is docker inspect of an image (docker image inspect).
type ImageJSON struct {
	ID           string `json:"Id"`
	RepoTags     []string
	RepoDigests  []string
	Created      string
	Comment      string
	Author       string `json:",omitempty"`
	Config       ConfigJSON
	Architecture string
	Os           string
	Size         int64
	GraphDriver  GraphDriverJSON
	RootFS       struct {
		Type   string
		Layers []string
	}
}

// InspectImage is docker inspect IMAGE.
func (e *Engine) InspectImage(ref string) (ImageJSON, error) {
	h := e.Host()
	img, err := h.resolve(ref)
	if err != nil {
		return ImageJSON{}, err
	}
	cfg := img.Config()
	j := ImageJSON{ID: img.ID().String(), RepoTags: []string{}, RepoDigests: []string{}, Author: cfg.Author,
		Architecture: cfg.Architecture, Os: cfg.OS, Size: img.Size()}
	if cfg.Created != nil {
		j.Created = apiTime(*cfg.Created)
	}
	// Docker keeps an image's comment (commit -m, "Imported from -") in
	// its config; the history entry that made the image carries the same
	// words, while BuildKit's images have none.
	if n := len(cfg.History); n > 0 && cfg.History[n-1].Comment != "buildkit.dockerfile.v0" {
		j.Comment = cfg.History[n-1].Comment
	}
	for t, id := range h.tags {
		if id == img.ID() {
			j.RepoTags = append(j.RepoTags, t)
			if pushed, ok := e.registry.repos[t]; ok && pushed.ID() == img.ID() {
				j.RepoDigests = append(j.RepoDigests, t[:strings.LastIndex(t, ":")]+"@"+img.ManifestDigest().String())
			}
		}
	}
	sort.Strings(j.RepoTags)
	sort.Strings(j.RepoDigests)
	c := cfg.Config
	j.Config = ConfigJSON{User: c.User, Env: c.Env, Cmd: c.Cmd, Entrypoint: c.Entrypoint, WorkingDir: c.WorkingDir,
		Labels: c.Labels, ExposedPorts: c.ExposedPorts, Volumes: c.Volumes, StopSignal: c.StopSignal}
	chain := chainIDs(img)
	data := map[string]string{}
	if len(chain) > 0 {
		top := layerDir(chain[len(chain)-1])
		var lower []string
		for i := len(chain) - 2; i >= 0; i-- {
			lower = append(lower, layerDir(chain[i])+"/diff")
		}
		if len(lower) > 0 {
			data["LowerDir"] = strings.Join(lower, ":")
		}
		data["UpperDir"] = top + "/diff"
		data["MergedDir"] = top + "/merged"
		data["WorkDir"] = top + "/work"
	}
	j.GraphDriver = GraphDriverJSON{Name: "overlay2", Data: data}
	j.RootFS.Type = "layers"
	for _, d := range cfg.RootFS.DiffIDs {
		j.RootFS.Layers = append(j.RootFS.Layers, d.String())
	}
	return j, nil
}
