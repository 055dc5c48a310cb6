package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/image"
)

// importBases adds real images to the library, each given as REF=PATH where
// PATH is an OCI image layout directory or a docker save tar. The image is
// found in the layout by REF, its tag, or as the only image there.
func importBases(lib *engine.Library, specs []string) error {
	for _, spec := range specs {
		ref, path, ok := strings.Cut(spec, "=")
		if !ok || ref == "" || path == "" {
			return fmt.Errorf("--base %q: want NAME:TAG=PATH (an OCI image layout directory or a docker save tar)", spec)
		}
		img, err := readImage(path, engine.NormalizeRef(ref))
		if err != nil {
			return fmt.Errorf("--base %s: %w", spec, err)
		}
		if err := lib.Import(ref, img); err != nil {
			return err
		}
	}
	return nil
}

func readImage(path, ref string) (*image.Image, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		fsys := os.DirFS(path)
		tag := ref[strings.LastIndex(ref, ":")+1:]
		var firstErr error
		for _, pick := range []string{ref, tag, ""} {
			img, err := image.ReadLayout(fsys, pick, image.Limits{})
			if err == nil {
				return img, nil
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return nil, firstErr
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := image.ImportDockerSave(f, ref, image.Limits{})
	if err != nil {
		if _, serr := f.Seek(0, 0); serr == nil {
			if only, err2 := image.ImportDockerSave(f, "", image.Limits{}); err2 == nil {
				return only, nil
			}
		}
		return nil, err
	}
	return img, nil
}
