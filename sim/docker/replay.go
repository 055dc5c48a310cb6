package docker

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// Log is every line the console ran, in order. With the engine's seed it is
// the whole session: replaying it into a fresh console rebuilds the same
// state, byte for byte.
func (c *Console) Log() []string { return slices.Clone(c.log) }

// Replay runs a command log into a fresh console (one made with the same
// seed, library and build context as the session's) and returns what each
// line printed.
func Replay(ctx context.Context, fresh *Console, log []string) []Result {
	out := make([]Result, 0, len(log))
	for _, line := range log {
		if ctx.Err() != nil {
			break
		}
		out = append(out, fresh.Run(ctx, line))
	}
	return out
}

// Undo rebuilds a session without its last command: the log minus one line,
// replayed into fresh. It returns the shortened log.
func Undo(ctx context.Context, fresh *Console, log []string) []string {
	if len(log) == 0 {
		return nil
	}
	log = log[:len(log)-1]
	Replay(ctx, fresh, log)
	return slices.Clone(log)
}

// DumpState writes the console's whole state in a fixed text form (see
// engine.DumpState); two replays of one log dump the same bytes.
func (c *Console) DumpState(w io.Writer) error {
	attached := "-"
	if ct := c.Attached(); ct != nil {
		attached = ct.ID
	}
	fmt.Fprintf(w, "attached %s\nlines %d\n", attached, len(c.log))
	c.dumpLocal(w)
	return c.eng.DumpState(w)
}
