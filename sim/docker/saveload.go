package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/image"
)

// save is docker save -o FILE: the tar goes to the console's local
// directory. Without -o docker would write it to the terminal, which it
// refuses, as the CLI does.
func (c *Console) save(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	dst := f.str("output")
	if dst == "" {
		return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
	}
	if dst == "-" {
		return errors.New("layerlab: docker save to - (standard output) is not simulated: the console has no pipes; use -o FILE")
	}
	saved, err := c.eng.SaveImages(args)
	if err != nil {
		return err
	}
	var size int64
	for _, s := range saved {
		for _, l := range s.Image.Layers() {
			size += l.TarSize()
		}
	}
	lfs, err := c.localFS()
	if err != nil {
		return err
	}
	if c.localBytes()+size > c.home.max {
		return fmt.Errorf("layerlab: the console's local directory keeps at most %s; that tar would pass it", humanSize4(c.home.max))
	}
	var b bytes.Buffer
	if err := image.WriteDockerSave(&b, saved); err != nil {
		return fmt.Errorf("writing %s: %w", dst, err)
	}
	p := localPath(dst)
	if err := lfs.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("failed to save image: invalid output path: %w", err)
	}
	c.home.written[p] = true
	return nil
}

// load is docker load -i FILE from the console's local directory.
func (c *Console) load(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	src := f.str("input")
	if src == "" {
		return errors.New("requested load from stdin, but stdin is empty")
	}
	lfs, err := c.localFS()
	if err != nil {
		return err
	}
	data, err := lfs.ReadFile(localPath(src))
	if err != nil {
		return fmt.Errorf("open %s: no such file or directory", src)
	}
	tags, err := image.SavedTags(bytes.NewReader(data), image.Limits{})
	if err != nil {
		return errdefsInvalid(err)
	}
	for _, tag := range tags {
		img, err := image.ImportDockerSave(bytes.NewReader(data), tag, image.Limits{})
		if err != nil {
			return errdefsInvalid(err)
		}
		if err := c.eng.LoadImage(img, tag); err != nil {
			return err
		}
		if f.bool("quiet") {
			continue
		}
		if tag == "" {
			fmt.Fprintf(out, "Loaded image ID: %s\n", img.ID())
		} else {
			fmt.Fprintf(out, "Loaded image: %s\n", tag)
		}
	}
	return nil
}

// errdefsInvalid is a tar the daemon cannot read: its error, classified.
func errdefsInvalid(err error) error { return errdefs.InvalidParameter(err) }
