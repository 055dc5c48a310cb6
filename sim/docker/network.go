package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/layerlab/layerlab/sim/docker/formatter"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/errdefs"
)

func (c *Console) networkLs(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	filters, err := filtersOf(f)
	if err != nil {
		return err
	}
	for k := range filters {
		switch k {
		case "driver", "id", "label", "name", "scope", "type", "dangling":
		default:
			return errdefs.InvalidParameter(fmt.Errorf("invalid filter '%s'", k))
		}
	}
	var rows []formatter.Network
	for _, n := range c.eng.Networks() {
		if !networkMatches(n, filters) {
			continue
		}
		rows = append(rows, formatter.Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Scope: "local", Created: n.Created,
			IPv4: true, Internal: n.Internal, Labels: n.Labels})
	}
	return formatter.NetworkWrite(formatter.Context{Output: out, Format: formatter.NewNetworkFormat(f.str("format"), f.bool("quiet")),
		Trunc: !f.bool("no-trunc")}, rows)
}

// networkMatches applies docker network ls --filter: name= as a regular
// expression, the others exactly.
func networkMatches(n *engine.Network, filters engine.Filters) bool {
	anyOf := func(key string, match func(v string) bool) bool {
		vals, ok := filters[key]
		return !ok || slices.ContainsFunc(vals, match)
	}
	builtin := n.Name == "bridge" || n.Name == "host" || n.Name == "none"
	return anyOf("name", func(v string) bool {
		ok, err := regexp.MatchString(v, n.Name)
		return v == n.Name || (err == nil && ok)
	}) && anyOf("driver", func(v string) bool { return v == n.Driver }) &&
		anyOf("id", func(v string) bool { return strings.HasPrefix(n.ID, v) }) &&
		anyOf("scope", func(v string) bool { return v == "local" }) &&
		anyOf("type", func(v string) bool { return (v == "builtin") == builtin }) &&
		anyOf("label", func(v string) bool {
			k, want, hasValue := strings.Cut(v, "=")
			got, ok := n.Labels[k]
			return ok && (!hasValue || got == want)
		})
}

func (c *Console) networkCreate(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	labels := map[string]string{}
	for _, l := range f.list("label") {
		k, v, _ := strings.Cut(l, "=")
		labels[k] = v
	}
	if len(labels) == 0 {
		labels = nil
	}
	n, err := c.eng.CreateNetwork(args[0], f.str("driver"), f.bool("internal"), labels)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, n.ID)
	return nil
}

func (c *Console) networkRm(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var failed []string
	for _, name := range args {
		if err := c.eng.RemoveNetwork(name); err != nil {
			if f.bool("force") && errdefs.IsNotFound(err) {
				continue
			}
			failed = append(failed, errorText(err))
			continue
		}
		fmt.Fprintln(out, name)
	}
	if len(failed) > 0 {
		// docker/cli 28 ends a failed network rm with cli.StatusError's
		// own words.
		return errors.New(strings.Join(failed, "\n") + "\nexit status 1")
	}
	return nil
}

func (c *Console) networkConnect(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[1])
	if err != nil {
		return err
	}
	return c.eng.ConnectNetwork(args[0], ct)
}

func (c *Console) networkDisconnect(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	ct, err := c.eng.FindContainer(args[1])
	if err != nil {
		return err
	}
	return c.eng.DisconnectNetwork(args[0], ct)
}

// networkJSON is docker network inspect's object, with moby's names.
type networkJSON struct {
	Name       string
	ID         string `json:"Id"`
	Created    string
	Scope      string
	Driver     string
	EnableIPv4 bool
	EnableIPv6 bool
	IPAM       struct {
		Driver  string
		Options map[string]string
		Config  []map[string]string
	}
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigFrom struct{ Network string }
	ConfigOnly bool
	Containers map[string]networkEndpoint
	Options    map[string]string
	Labels     map[string]string
}

type networkEndpoint struct {
	Name, EndpointID, MacAddress, IPv4Address, IPv6Address string
}

// inspectNetwork is one network as docker network inspect shows it. The
// addresses are the ones Docker's default pools would hand out, in the
// order containers joined; no packet ever uses them.
func (c *Console) inspectNetwork(n *engine.Network) networkJSON {
	j := networkJSON{Name: n.Name, ID: n.ID, Created: n.Created.Format("2006-01-02T15:04:05.000000000Z07:00"), Scope: "local",
		Driver: n.Driver, EnableIPv4: true, Internal: n.Internal, Containers: map[string]networkEndpoint{},
		Options: map[string]string{}, Labels: n.Labels}
	if j.Labels == nil {
		j.Labels = map[string]string{}
	}
	j.IPAM.Driver = "default"
	subnet := c.subnetOf(n)
	if subnet != "" {
		j.IPAM.Config = []map[string]string{{"Subnet": subnet + ".0.0/16", "Gateway": subnet + ".0.1"}}
	}
	host := 2
	for _, ct := range slices.Backward(c.eng.Containers()) {
		if !ct.Running() || !slices.Contains(c.eng.NetworksOf(ct), n.Name) {
			continue
		}
		ep := networkEndpoint{Name: ct.Name, EndpointID: ct.ID[12:] + ct.ID[:12], MacAddress: fmt.Sprintf("02:42:ac:11:00:%02x", host)}
		if subnet != "" {
			ep.IPv4Address = fmt.Sprintf("%s.0.%d/16", subnet, host)
		}
		j.Containers[ct.ID] = ep
		host++
	}
	return j
}

// subnetOf is the first two octets of a network's subnet: 172.17 for the
// default bridge, 172.18 and on for the networks made after it.
func (c *Console) subnetOf(n *engine.Network) string {
	if n.Driver != "bridge" {
		return ""
	}
	if n.Name == "bridge" {
		return "172.17"
	}
	k := 18
	for _, o := range c.eng.Networks() {
		if o.Driver == "bridge" && o.Name != "bridge" && o.Created.Before(n.Created) {
			k++
		}
	}
	return fmt.Sprintf("172.%d", k)
}

func (c *Console) networkInspect(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return writeInspect(out, f.str("format"), args, func(ref string) (any, error) {
		n, err := c.eng.FindNetwork(ref)
		if err != nil {
			return nil, err
		}
		return c.inspectNetwork(n), nil
	})
}
