package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"layerlab/sim"
	"layerlab/sim/docker"
	"layerlab/sim/engine"
)

// runPlay replays a console script: each line is echoed as "$ line", then
// what the browser console would print for it. A failing docker command does
// not stop the script; only unreadable input does.
func runPlay(ctx context.Context, args []string, e env) error {
	fs := newFlags("play", e)
	contextDir := fs.String("context", "", "directory used as the build context")
	seed := fs.Uint64("seed", 1, "seed of the session's IDs and names")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("play takes at most one SCRIPT, got %q", fs.Args())
	}
	var in io.Reader = e.stdin
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("reading script: %w", err)
		}
		defer f.Close()
		in = f
	}
	lib, err := loadLibrary()
	if err != nil {
		return err
	}
	cfg := engine.Config{Seed: *seed, Library: lib, Limits: sim.DefaultLimits()}
	if *contextDir != "" {
		info, err := os.Stat(*contextDir)
		if err != nil || !info.IsDir() {
			return fmt.Errorf("--context %s is not a directory", *contextDir)
		}
		cfg.Context = os.DirFS(*contextDir)
	}
	console := docker.NewConsole(engine.New(cfg), cfg.Limits)
	return play(ctx, console, in, e.stdout)
}

// play runs every line of in through the console.
func play(ctx context.Context, console *docker.Console, in io.Reader, out io.Writer) error {
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
		prompt := console.Prompt()
		fmt.Fprintf(w, "%s%s\n", prompt, trimmed)
		res := console.Run(ctx, trimmed)
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
