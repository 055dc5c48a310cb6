package docker

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"layerlab/sim"
)

// newTable makes the tab writer the docker CLI lays its tables out with.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
}

// humanDuration words a duration like go-units' HumanDuration, which the
// CLI uses for CREATED and STATUS.
func humanDuration(d time.Duration) string {
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

// ellipsis shortens s to max runes the way the CLI's formatter does.
func ellipsis(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// commandColumn is docker ps's COMMAND: the command line cut to 20 runes,
// then quoted, so a long one keeps its closing quote ("docker-entrypoint.s…").
func commandColumn(argv []string) string {
	return strconv.Quote(ellipsis(strings.Join(argv, " "), 20))
}

// humanSize4 is go-units' HumanSize, four significant digits, which docker
// system df uses for its totals, SHARED SIZE, UNIQUE SIZE and volume sizes
// (the per-image and per-container SIZE columns use three: sim.HumanSize).
func humanSize4(n int64) string { return sim.HumanSizePrecision(n, 4) }
