package docker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// Play runs a console script: each line is echoed after the prompt, then
// what the browser console prints for it. Blank lines and # comments are
// skipped. A failing command does not stop the script; only input that
// cannot be read does.
func Play(ctx context.Context, c *Console, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		fmt.Fprintf(w, "%s%s\n", c.Prompt(), trimmed)
		res := c.Run(ctx, trimmed)
		w.WriteString(res.Output)
		if res.Output != "" && !strings.HasSuffix(res.Output, "\n") {
			w.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading script: %w", err)
	}
	return nil
}
