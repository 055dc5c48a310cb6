package formatter

import (
	"strconv"
	"strings"
	"time"
)

// The tables of docker history, with human sizes and dates or without (-H=false).
const (
	DefaultHistoryTableFormat  = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
	NonHumanHistoryTableFormat = "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
)

// History is one step of an image's history.
type History struct {
	ID        string // "sha256:…" or "<missing>"
	Created   time.Time
	CreatedBy string
	Size      int64
	Comment   string
}

// NewHistoryFormat is the format docker history uses for --format source.
func NewHistoryFormat(source string, quiet, human bool) Format {
	if source == TableFormatKey || source == "" {
		switch {
		case quiet:
			return DefaultQuietFormat
		case !human:
			return NonHumanHistoryTableFormat
		default:
			return DefaultHistoryTableFormat
		}
	}
	return Format(source)
}

// HistoryWrite prints an image's history.
func HistoryWrite(ctx Context, human bool, steps []History) error {
	rows := make([]SubContext, len(steps))
	for i := range steps {
		rows[i] = &historyContext{trunc: ctx.Trunc, human: human, now: ctx.Now, h: steps[i]}
	}
	header := &historyContext{}
	header.Header = SubHeaderContext{
		"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
		"CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT",
	}
	return ctx.Write(header, rows)
}

type historyContext struct {
	HeaderContext
	trunc bool
	human bool
	now   time.Time
	h     History
}

func (c *historyContext) MarshalJSON() ([]byte, error) { return MarshalJSON(c) }

func (c *historyContext) ID() string {
	if c.trunc && c.h.ID != "<missing>" {
		return TruncateID(c.h.ID)
	}
	return c.h.ID
}

func (c *historyContext) CreatedAt() string { return c.h.Created.Format(time.RFC3339) }

// historyEpoch is the date before which the CLI prints no age.
var historyEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *historyContext) CreatedSince() string {
	if !c.human {
		return c.CreatedAt()
	}
	if !c.h.Created.After(historyEpoch) {
		return "N/A"
	}
	return HumanDuration(c.now.Sub(c.h.Created)) + " ago"
}

func (c *historyContext) CreatedBy() string {
	by := strings.ReplaceAll(c.h.CreatedBy, "\t", " ")
	if c.trunc {
		return Ellipsis(by, 45)
	}
	return by
}

func (c *historyContext) Size() string {
	if c.human {
		return HumanSize3(c.h.Size)
	}
	return strconv.FormatInt(c.h.Size, 10)
}

func (c *historyContext) Comment() string { return c.h.Comment }
