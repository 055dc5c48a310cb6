package engine

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim/errdefs"
)

// Network is a network on a host. The simulator keeps who is attached to
// what, the names docker network ls and inspect show; no packet moves.
type Network struct {
	ID       string // 64 hex
	Name     string
	Driver   string // bridge, host, null
	Created  time.Time
	Internal bool
	Labels   map[string]string
	builtin  bool // bridge, host and none: never removed
}

// networks are a host's networks, and which containers joined which beyond
// the one they were created on.
type networks struct {
	list     []*Network
	attached map[string][]string // container ID -> network names, in the order joined
}

// hostNetworks gives a host its three built-in networks on first use.
func (e *Engine) hostNetworks(h *Host) *networks {
	if h.nets == nil {
		h.nets = &networks{attached: map[string][]string{}}
		for _, n := range []struct{ name, driver string }{{"bridge", "bridge"}, {"host", "host"}, {"none", "null"}} {
			h.nets.list = append(h.nets.list, &Network{ID: networkID(h, n.name, Epoch), Name: n.name, Driver: n.driver, Created: Epoch, builtin: true})
		}
	}
	return h.nets
}

// Networks lists the current host's networks by name, as docker network ls does.
func (e *Engine) Networks() []*Network {
	out := slices.Clone(e.hostNetworks(e.Host()).list)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FindNetwork resolves a network name, ID or unique ID prefix.
func (e *Engine) FindNetwork(ref string) (*Network, error) {
	nets := e.hostNetworks(e.Host())
	for _, n := range nets.list {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
	}
	var found *Network
	for _, n := range nets.list {
		if ref != "" && strings.HasPrefix(n.ID, ref) {
			if found != nil {
				return nil, errdefs.InvalidParameter(fmt.Errorf("network %s is ambiguous (2 matches found based on ID prefix)", ref))
			}
			found = n
		}
	}
	if found == nil {
		return nil, errdefs.NotFound(fmt.Errorf("network %s not found", ref))
	}
	return found, nil
}

// CreateNetwork is docker network create.
func (e *Engine) CreateNetwork(name, driver string, internal bool, labels map[string]string) (*Network, error) {
	nets := e.hostNetworks(e.Host())
	if name == "" || !validName(name) {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid network name %q", name))
	}
	for _, n := range nets.list {
		if n.Name == name {
			return nil, errdefs.Conflict(fmt.Errorf("network with name %s already exists", name))
		}
	}
	switch driver {
	case "", "bridge":
		driver = "bridge"
	case "host", "null":
		return nil, errdefs.Forbidden(fmt.Errorf("only one instance of %q network is allowed", driver))
	default:
		return nil, errdefs.NotFound(fmt.Errorf("plugin %q not found", driver))
	}
	if len(nets.list) >= 3+e.limits.Volumes {
		return nil, errdefs.Unavailable(errors.New("too many networks on this host (the limit is the volume limit in this simulator)"))
	}
	n := &Network{ID: networkID(e.Host(), name, e.now), Name: name, Driver: driver, Created: e.now, Internal: internal, Labels: labels}
	nets.list = append(nets.list, n)
	return n, nil
}

// RemoveNetwork is docker network rm.
func (e *Engine) RemoveNetwork(ref string) error {
	n, err := e.FindNetwork(ref)
	if err != nil {
		return err
	}
	if n.builtin {
		return errdefs.Forbidden(fmt.Errorf("%s is a pre-defined network and cannot be removed", n.Name))
	}
	h := e.Host()
	nets := e.hostNetworks(h)
	for _, c := range h.containers {
		if slices.Contains(e.NetworksOf(c), n.Name) && c.Running() {
			return errdefs.Forbidden(fmt.Errorf("error while removing network: network %s id %s has active endpoints", n.Name, n.ID))
		}
	}
	for id, names := range nets.attached {
		nets.attached[id] = slices.DeleteFunc(names, func(s string) bool { return s == n.Name })
	}
	nets.list = slices.DeleteFunc(nets.list, func(x *Network) bool { return x == n })
	return nil
}

// ConnectNetwork is docker network connect.
func (e *Engine) ConnectNetwork(ref string, c *Container) error {
	n, err := e.FindNetwork(ref)
	if err != nil {
		return err
	}
	nets := e.hostNetworks(e.Host())
	if slices.Contains(e.NetworksOf(c), n.Name) {
		return errdefs.Forbidden(fmt.Errorf("endpoint with name %s already exists in network %s", c.Name, n.Name))
	}
	if n.Driver == "host" || n.Driver == "null" || slices.Contains(e.NetworksOf(c), "none") || slices.Contains(e.NetworksOf(c), "host") {
		return errdefs.Forbidden(fmt.Errorf("container cannot be disconnected from host network or connected to host network"))
	}
	nets.attached[c.ID] = append(e.NetworksOf(c), n.Name)
	return nil
}

// DisconnectNetwork is docker network disconnect.
func (e *Engine) DisconnectNetwork(ref string, c *Container) error {
	n, err := e.FindNetwork(ref)
	if err != nil {
		return err
	}
	nets := e.hostNetworks(e.Host())
	names := e.NetworksOf(c)
	if !slices.Contains(names, n.Name) {
		return errdefs.Forbidden(fmt.Errorf("container %s is not connected to network %s", c.ID, n.Name))
	}
	nets.attached[c.ID] = slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == n.Name })
	if len(nets.attached[c.ID]) == 0 {
		nets.attached[c.ID] = []string{} // disconnected from all, bridge included
	}
	return nil
}

// NetworksOf names the networks a container is attached to: the default
// bridge unless it was moved.
func (e *Engine) NetworksOf(c *Container) []string {
	h := e.hostOf(c)
	if h == nil {
		h = e.Host()
	}
	if h.nets != nil {
		if names, ok := h.nets.attached[c.ID]; ok {
			return slices.Clone(names)
		}
	}
	return []string{"bridge"}
}

// networkID derives a network's ID from its host, name and creation time,
// so making a network draws nothing from the session's random source and
// the IDs of everything else stay as they were.
func networkID(h *Host, name string, created time.Time) string {
	return digest.FromString(h.Name + "/" + name + "/" + created.String()).Encoded()
}

// containerLabels are a container's labels: its image's.
func containerLabels(c *Container) map[string]string {
	return c.Labels
}
