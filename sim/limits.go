package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits cap what one learner session may make, so that no session can use
// up the server. Every cap fails with a message that names it.
type Limits struct {
	Layers       int   // layers in one image; Docker itself refuses more than 125 ("max depth exceeded")
	LayerEntries int   // paths one layer may hold
	FileBytes    int64 // stored bytes of one file (apparent sizes may be larger)
	SessionBytes int64 // stored bytes of all layers a session made
	Containers   int   // containers per host
	Images       int   // images per host
	Volumes      int   // volumes per host
	CommandBytes int   // one console line
	ShellSteps   int   // work one shell run may do, in steps: a command, a loop pass, a KiB read or 256 bytes written (see shell.Config.MaxSteps)
	OutputBytes  int   // output one command may print
	ContextFiles int   // files in a build context
	ContextBytes int64 // bytes in a build context
	BuildSteps   int   // instructions in one Dockerfile
}

// DefaultLimits are generous for any lesson and small for a server.
func DefaultLimits() Limits {
	return Limits{
		Layers:       125,
		LayerEntries: 20000,
		FileBytes:    1 << 20,
		SessionBytes: 16 << 20,
		Containers:   100,
		Images:       200,
		Volumes:      100,
		CommandBytes: 4096,
		ShellSteps:   100000,
		OutputBytes:  256 << 10,
		ContextFiles: 1000,
		ContextBytes: 8 << 20,
		BuildSteps:   200,
	}
}

// Meter counts the work the commands of one session did, in the steps of
// the shell's budget (ShellSteps bounds one command). A server can read it
// to keep its learners fair: a session that worked far more than its share
// of late can wait for its next command.
type Meter struct {
	Steps int64
}

// ErrLimit is wrapped by every error a limit causes.
var ErrLimit = errors.New("limit reached")

// LimitError says which limit was reached, in words a learner understands.
func LimitError(what string, limit any) error {
	return fmt.Errorf("%w: %s (the limit is %v in this simulator)", ErrLimit, what, limit)
}

// ParseSize reads a size as the catalogs write it: "123", "12k", "1.5M" or
// "2G", in decimal units as docker prints them.
func ParseSize(s string) (int64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1e9, s[:len(s)-1]
	}
	if mult == 1 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad size %q", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(f*mult + 0.5), nil
}
