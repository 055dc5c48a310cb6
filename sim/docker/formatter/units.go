package formatter

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/layerlab/layerlab/sim"
)

// TruncateID is an ID's first 12 hex digits, without "sha256:".
func TruncateID(id string) string {
	if i := strings.IndexRune(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// Ellipsis shortens s to max runes, its last one "…", as the CLI does.
func Ellipsis(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// HumanDuration words a duration like go-units' HumanDuration, which the
// CLI uses for CREATED and STATUS.
func HumanDuration(d time.Duration) string {
	seconds := int(d.Seconds())
	switch {
	case seconds < 1:
		return "Less than a second"
	case seconds == 1:
		return "1 second"
	case seconds < 60:
		return fmt.Sprintf("%d seconds", seconds)
	}
	minutes := int(d.Minutes())
	switch {
	case minutes == 1:
		return "About a minute"
	case minutes < 60:
		return fmt.Sprintf("%d minutes", minutes)
	}
	hours := int(d.Hours() + 0.5)
	switch {
	case hours == 1:
		return "About an hour"
	case hours < 48:
		return fmt.Sprintf("%d hours", hours)
	case hours < 24*7*2:
		return fmt.Sprintf("%d days", hours/24)
	case hours < 24*30*2:
		return fmt.Sprintf("%d weeks", hours/24/7)
	case hours < 24*365*2:
		return fmt.Sprintf("%d months", hours/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}

// HumanSize3 is go-units' HumanSizeWithPrecision(n, 3): the per-object SIZE
// columns.
func HumanSize3(n int64) string { return sim.HumanSize(n) }

// HumanSize is go-units' HumanSize (four significant digits): totals,
// shared and unique sizes, volume sizes.
func HumanSize(n int64) string { return sim.HumanSizePrecision(n, 4) }

// timeString is Go's time.Time.String of a whole second, as the API's Unix
// timestamps print: "2026-01-12 09:00:02 +0000 UTC".
func timeString(t time.Time) string {
	return time.Unix(t.Unix(), 0).In(t.Location()).Format("2006-01-02 15:04:05 -0700 MST")
}
