package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/image/layout"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return fmt.Sprint(*l) }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runBuild(ctx context.Context, args []string, e env) error {
	fs := newFlags("build", e)
	var bases listFlag
	fs.Var(&bases, "base", "add a real image as a base: NAME:TAG=PATH, PATH an OCI image layout or a docker save tar (repeatable)")
	file := fs.String("f", "Dockerfile", "path of the Dockerfile inside the context")
	var tags listFlag
	fs.Var(&tags, "t", "name and optionally a tag (name:tag); repeatable")
	layoutDir := fs.String("oci-layout", "", "write the image as an OCI image layout to this directory")
	noCache := fs.Bool("no-cache", false, "do not use the build cache")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("build takes one CONTEXT directory, got %q", fs.Args())
	}
	dir := "."
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return fmt.Errorf("build context %s is not a directory", dir)
	}
	lib, err := loadLibrary()
	if err != nil {
		return err
	}
	if err := importBases(lib, bases); err != nil {
		return err
	}
	eng := engine.New(engine.Config{Seed: 1, Library: lib, Context: os.DirFS(dir), Limits: sim.DefaultLimits()})
	res, err := eng.Build(ctx, engine.BuildOptions{Dockerfile: filepath.ToSlash(*file), Tags: tags, NoCache: *noCache})
	if res != nil {
		fmt.Fprint(e.stdout, res.Output)
	}
	if err != nil {
		if res == nil {
			return err
		}
		return exitError(1)
	}
	if *layoutDir != "" {
		imgs := map[string]*image.Image{}
		// As BuildKit's OCI exporter does, each ref.name is the tag alone:
		// `skopeo inspect oci:DIR:latest`.
		for _, t := range tags {
			n := engine.NormalizeRef(t)
			imgs[n[strings.LastIndex(n, ":")+1:]] = res.Image
		}
		if len(imgs) == 0 {
			imgs[res.Image.ID().Encoded()[:12]] = res.Image
		}
		if err := layout.Write(*layoutDir, imgs); err != nil {
			return fmt.Errorf("writing OCI layout: %w", err)
		}
		fmt.Fprintf(e.stderr, "wrote OCI image layout to %s\n", *layoutDir)
	}
	return nil
}
