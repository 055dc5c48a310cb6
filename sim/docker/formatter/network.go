package formatter

import (
	"strconv"
	"time"
)

// DefaultNetworkTableFormat is docker network ls's table.
const DefaultNetworkTableFormat = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"

// Network is one network.
type Network struct {
	ID       string // 64 hex
	Name     string
	Driver   string
	Scope    string
	Created  time.Time
	IPv4     bool
	IPv6     bool
	Internal bool
	Labels   map[string]string
}

// NewNetworkFormat is the format docker network ls uses for --format source.
func NewNetworkFormat(source string, quiet bool) Format {
	if source == TableFormatKey || source == "" {
		if quiet {
			return DefaultQuietFormat
		}
		return DefaultNetworkTableFormat
	}
	return Format(source)
}

// NetworkWrite prints networks.
func NetworkWrite(ctx Context, networks []Network) error {
	rows := make([]SubContext, len(networks))
	for i := range networks {
		rows[i] = &networkContext{trunc: ctx.Trunc, n: networks[i]}
	}
	header := &networkContext{}
	header.Header = SubHeaderContext{
		"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
		"IPv4": "IPV4", "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
	}
	return ctx.Write(header, rows)
}

type networkContext struct {
	HeaderContext
	trunc bool
	n     Network
}

func (c *networkContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *networkContext) ID() string {
	if c.trunc {
		return TruncateID(c.n.ID)
	}
	return c.n.ID
}

func (c *networkContext) Name() string             { return c.n.Name }
func (c *networkContext) Driver() string           { return c.n.Driver }
func (c *networkContext) Scope() string            { return c.n.Scope }
func (c *networkContext) IPv4() string             { return strconv.FormatBool(c.n.IPv4) }
func (c *networkContext) IPv6() string             { return strconv.FormatBool(c.n.IPv6) }
func (c *networkContext) Internal() string         { return strconv.FormatBool(c.n.Internal) }
func (c *networkContext) Labels() string           { return joinLabels(c.n.Labels) }
func (c *networkContext) Label(name string) string { return c.n.Labels[name] }
func (c *networkContext) CreatedAt() string        { return c.n.Created.String() }
