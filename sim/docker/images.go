package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"layerlab/sim"
	"layerlab/sim/engine"
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

// historyRow is one docker history row; field names are the --format names.
type historyRow struct {
	ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment string
}

func (c *Console) history(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	entries, err := c.eng.History(args[0])
	if err != nil {
		return err
	}
	human := f.str("human") != "false"
	now := c.eng.Now()
	var rows []historyRow
	for _, e := range entries {
		r := historyRow{ID: e.ID, CreatedBy: e.CreatedBy, Comment: e.Comment}
		if r.ID != "<missing>" && !f.bool("no-trunc") {
			r.ID = strings.TrimPrefix(r.ID, "sha256:")[:12]
		}
		if human {
			r.CreatedSince = humanDuration(now.Sub(e.Created)) + " ago"
			r.Size = sim.HumanSize(e.Size)
		} else {
			r.CreatedSince = e.Created.Format("2006-01-02T15:04:05Z07:00")
			r.Size = strconv.FormatInt(e.Size, 10)
		}
		r.CreatedAt = e.Created.Format("2006-01-02T15:04:05Z07:00")
		if !f.bool("no-trunc") {
			r.CreatedBy = ellipsis(strings.ReplaceAll(r.CreatedBy, "\t", " "), 45)
		}
		rows = append(rows, r)
	}
	if f.bool("quiet") {
		for _, r := range rows {
			fmt.Fprintln(out, r.ID)
		}
		return nil
	}
	if tmpl := f.str("format"); tmpl != "" {
		return formatEach(out, tmpl, rows, func(r historyRow) any { return r })
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "IMAGE\tCREATED\tCREATED BY\tSIZE\tCOMMENT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.CreatedSince, r.CreatedBy, r.Size, r.Comment)
	}
	return tw.Flush()
}

func (c *Console) inspect(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	return c.inspectAs(f.str("type"), f, args, out)
}

// inspectAs prints objects as a JSON array indented like the CLI's, or each
// through --format. Without a type, a container is looked for first, then
// an image, then a volume, as docker inspect does.
func (c *Console) inspectAs(kind string, f *flagSet, args []string, out io.Writer) error {
	switch kind {
	case "", "container", "image", "volume":
	default:
		return fmt.Errorf("%q is not a valid value for --type", kind)
	}
	var objs []any
	var failed []string
	for _, ref := range args {
		obj, err := c.lookupObject(kind, ref, f.bool("size"))
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		objs = append(objs, obj)
	}
	return writeInspect(out, f.str("format"), objs, failed)
}

// writeInspect prints what an inspect found, as a JSON array indented like
// the CLI's or each object through --format, then the refs it could not
// find, one error line each.
func writeInspect(out io.Writer, tmpl string, objs []any, failed []string) error {
	if tmpl != "" {
		if err := formatEach(out, tmpl, objs, func(o any) any { return o }); err != nil {
			return err
		}
	} else {
		if objs == nil {
			objs = []any{}
		}
		b, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			return fmt.Errorf("encoding inspect output: %w", err)
		}
		out.Write(b)
		fmt.Fprintln(out)
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
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
	if v, err := c.eng.FindVolume(ref); err == nil {
		return c.eng.InspectVolume(v), nil
	} else if kind == "volume" {
		return nil, err
	}
	return nil, fmt.Errorf("Error: No such object: %s", ref)
}

func (c *Console) pull(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if err := engine.ValidRef(args[0]); err != nil {
		return err
	}
	// The CLI says which tag it chose only when it is not told to be quiet.
	if !f.bool("quiet") && !strings.Contains(args[0][strings.LastIndex(args[0], "/")+1:], ":") {
		fmt.Fprintln(out, "Using default tag: latest")
	}
	var progress bytes.Buffer
	w := io.Writer(&progress)
	err := c.eng.PullImage(args[0], w)
	if err != nil {
		return err
	}
	if f.bool("quiet") {
		fmt.Fprintln(out, engine.NormalizeRef(args[0]))
		return nil
	}
	out.Write(progress.Bytes())
	fmt.Fprintln(out, engine.NormalizeRef(args[0]))
	return nil
}

func (c *Console) push(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	var progress bytes.Buffer
	if err := c.eng.PushImage(args[0], &progress); err != nil {
		if !f.bool("quiet") {
			out.Write(progress.Bytes())
		}
		return err
	}
	if f.bool("quiet") {
		fmt.Fprintln(out, engine.NormalizeRef(args[0]))
		return nil
	}
	out.Write(progress.Bytes())
	return nil
}
