package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// runPlay replays a console script: each line is echoed as "$ line", then
// what the browser console would print for it. A failing docker command does
// not stop the script; only unreadable input does.
func runPlay(ctx context.Context, args []string, e env) error {
	fs := newFlags("play", e)
	var bases listFlag
	fs.Var(&bases, "base", "add a real image as a base: NAME:TAG=PATH, PATH an OCI image layout or a docker save tar (repeatable)")
	contextDir := fs.String("context", "", "directory used as the build context")
	seed := fs.Uint64("seed", 1, "seed of the session's IDs and names")
	if err := parseFlags(fs, args); err != nil {
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
	if err := importBases(lib, bases); err != nil {
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
	return docker.Play(ctx, console, in, out)
}
