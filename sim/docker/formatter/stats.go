package formatter

import "fmt"

// DefaultStatsTableFormat is docker stats' table.
const DefaultStatsTableFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

// Stats is one container's sample, its sizes already in words.
type Stats struct {
	ID, Name           string
	MemUsage, MemLimit string
	MemPerc            float64
	PIDs               int
}

// NewStatsFormat is the format docker stats uses for --format source.
func NewStatsFormat(source string) Format {
	if source == TableFormatKey || source == "" {
		return DefaultStatsTableFormat
	}
	return Format(source)
}

// StatsWrite prints one sample of each container.
func StatsWrite(ctx Context, stats []Stats) error {
	rows := make([]SubContext, len(stats))
	for i := range stats {
		rows[i] = &statsContext{trunc: ctx.Trunc, s: stats[i]}
	}
	header := &statsContext{}
	header.Header = SubHeaderContext{
		"Container": "CONTAINER", "ID": "CONTAINER ID", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
		"MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
	}
	return ctx.Write(header, rows)
}

type statsContext struct {
	HeaderContext
	trunc bool
	s     Stats
}

func (c *statsContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *statsContext) Container() string { return c.s.Name }
func (c *statsContext) Name() string      { return c.s.Name }
func (c *statsContext) ID() string {
	if c.trunc {
		return TruncateID(c.s.ID)
	}
	return c.s.ID
}
func (c *statsContext) CPUPerc() string  { return "0.00%" }
func (c *statsContext) MemUsage() string { return c.s.MemUsage + " / " + c.s.MemLimit }
func (c *statsContext) MemPerc() string  { return fmt.Sprintf("%.2f%%", c.s.MemPerc) }
func (c *statsContext) NetIO() string    { return "0B / 0B" }
func (c *statsContext) BlockIO() string  { return "0B / 0B" }
func (c *statsContext) PIDs() string     { return fmt.Sprint(c.s.PIDs) }
