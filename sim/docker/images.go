package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/layerlab/layerlab/sim/docker/formatter"
	"github.com/layerlab/layerlab/sim/engine"
)

func (c *Console) rmi(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var failed []string
	for _, ref := range args {
		recs, err := c.eng.RemoveImage(ref, f.bool("force"))
		if err != nil {
			failed = append(failed, errorText(err))
			continue
		}
		for _, r := range recs {
			if r.Untagged != "" {
				fmt.Fprintf(out, "Untagged: %s\n", r.Untagged)
			} else {
				fmt.Fprintf(out, "Deleted: %s\n", r.Deleted)
			}
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return nil
}

func (c *Console) tag(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return c.eng.Tag(args[0], args[1])
}

func (c *Console) inspect(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return c.inspectAs(f.str("type"), f, args, out)
}

// inspectAs prints objects as docker inspect does. Without a type, a
// container is looked for first, then an image, then a volume.
func (c *Console) inspectAs(kind string, f *flagSet, args []string, out io.Writer) error {
	switch kind {
	case "", "container", "image", "volume", "network":
	case "config", "node", "plugin", "secret", "service", "task":
		return fmt.Errorf("layerlab: docker inspect --type %s is about Swarm or plugins, which this simulator does not model", kind)
	default:
		return fmt.Errorf(`unknown type: %q: must be one of "config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"`, kind)
	}
	return writeInspect(out, f.str("format"), args, func(ref string) (any, error) {
		return c.lookupObject(kind, ref, f.bool("size"))
	})
}

// writeInspect prints the objects refs name, as docker/cli's inspect
// package does: a JSON array indented with four spaces, compact for
// "json", or each object through a --format template. A template that
// fails on the object's own type runs again on its raw JSON (so {{.Id}}
// works as the API spells it), where a missing key is an error. Each ref
// that fails adds its error line after the output.
func writeInspect(out io.Writer, tmplStr string, refs []string, get func(ref string) (any, error)) error {
	var tmpl *template.Template
	if tmplStr != "" && tmplStr != "json" {
		t, err := formatter.Parse(tmplStr)
		if err != nil {
			return &statusError{status: "template parsing error: " + err.Error(), code: 64}
		}
		tmpl = t
	}
	var objs []any
	var errs []string
	var buf bytes.Buffer
	for _, ref := range refs {
		obj, err := get(ref)
		if err != nil {
			errs = append(errs, errorText(err))
			continue
		}
		if tmpl == nil {
			objs = append(objs, obj)
			continue
		}
		if err := inspectOne(&buf, tmpl, obj); err != nil {
			errs = append(errs, err.Error())
		}
	}
	switch {
	case tmpl != nil:
		if buf.Len() == 0 {
			buf.WriteString("\n")
		}
		out.Write(buf.Bytes())
	default:
		if objs == nil {
			objs = []any{}
		}
		var b []byte
		var err error
		if tmplStr == "json" {
			b, err = json.Marshal(objs)
		} else {
			b, err = json.MarshalIndent(objs, "", "    ")
		}
		if err != nil {
			return fmt.Errorf("encoding inspect output: %w", err)
		}
		out.Write(b)
		fmt.Fprintln(out)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// inspectOne runs the template on one object: its own type first, then its
// raw JSON.
func inspectOne(buf *bytes.Buffer, tmpl *template.Template, obj any) error {
	b := limitedBuffer{max: formatter.DefaultMaxBytes}
	if err := tmpl.Execute(&b, obj); err == nil {
		buf.Write(b.Bytes())
		buf.WriteByte('\n')
		return nil
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("unable to read inspect data: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m any
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("unable to read inspect data: %w", err)
	}
	b.Reset()
	if err := tmpl.Option("missingkey=error").Execute(&b, m); errors.Is(err, formatter.ErrTooLong) {
		return err
	} else if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	buf.Write(b.Bytes())
	buf.WriteByte('\n')
	return nil
}

func (c *Console) lookupObject(kind, ref string, size bool) (any, error) {
	if kind == "" || kind == "container" {
		if ct, err := c.eng.FindContainer(ref); err == nil {
			return c.eng.InspectContainer(ct, size), nil
		} else if kind == "container" {
			return nil, err
		}
	}
	if kind == "" || kind == "image" {
		if img, err := c.eng.InspectImage(ref); err == nil {
			return img, nil
		} else if kind == "image" {
			return nil, err
		}
	}
	if kind == "" || kind == "volume" {
		if v, err := c.eng.FindVolume(ref); err == nil {
			return c.eng.InspectVolume(v), nil
		} else if kind == "volume" {
			return nil, err
		}
	}
	if n, err := c.eng.FindNetwork(ref); err == nil {
		return c.inspectNetwork(n), nil
	} else if kind == "network" {
		return nil, err
	}
	return nil, fmt.Errorf("Error: No such object: %s", ref)
}

func (c *Console) pull(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	r, err := engine.ParseReference(args[0])
	if err != nil {
		return err
	}
	all := f.bool("all-tags")
	if all && (r.Tag != "" || r.Digest != "") {
		return errors.New("tag can't be used with --all-tags/-a")
	}
	// The CLI says which tag it chose only when it is not told to be quiet.
	if !f.bool("quiet") && !all && r.Tag == "" && r.Digest == "" {
		fmt.Fprintln(out, "Using default tag: latest")
	}
	var progress bytes.Buffer
	if all {
		err = c.eng.PullAllTags(args[0], &progress)
	} else {
		err = c.eng.PullImage(args[0], &progress)
	}
	if !f.bool("quiet") {
		out.Write(progress.Bytes())
	}
	if err != nil {
		return err
	}
	if all {
		fmt.Fprintln(out, r.Name())
		return nil
	}
	fmt.Fprintln(out, r.String())
	return nil
}

func (c *Console) push(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if _, err := engine.ParseReference(args[0]); err != nil {
		return err
	}
	var progress bytes.Buffer
	var err error
	if f.bool("all-tags") {
		err = c.eng.PushAllTags(args[0], &progress)
	} else {
		err = c.eng.PushImage(args[0], &progress)
	}
	if f.bool("quiet") {
		if err == nil {
			fmt.Fprintln(out, engine.NormalizeRef(args[0]))
		}
		return err
	}
	out.Write(progress.Bytes())
	return err
}

// limitedBuffer stops a template that writes more than max bytes.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, formatter.ErrTooLong
	}
	return b.Buffer.Write(p)
}
