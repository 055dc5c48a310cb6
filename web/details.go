package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
	"github.com/layerlab/layerlab/web/ui"
)

// maxTreeEntries caps one directory listing of the file explorer.
const maxTreeEntries = 400

// visitView asks a running container what it answers on a published port:
// target is "<container>:<host port>". The answer comes from the simulated
// server, exactly what curl localhost:PORT inside the container gets.
func visitView(eng *engine.Engine, target string) ui.VisitView {
	name, hostPort, _ := strings.Cut(target, ":")
	v := ui.VisitView{Container: name, Port: hostPort}
	c, err := eng.FindContainer(name)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	port := 0
	for _, p := range c.Ports {
		if p.HostPort == hostPort {
			port, _ = strconv.Atoi(strings.TrimSuffix(p.ContainerPort, "/tcp"))
		}
	}
	if port == 0 {
		v.Error = "port " + hostPort + " of this host is not published by " + c.Name
		return v
	}
	v.ContainerPort = strconv.Itoa(port)
	res, err := eng.Serve(c, port, "/")
	switch {
	case errors.Is(err, engine.ErrNoServer):
		v.Error = "Nothing in " + c.Name + " answers on port " + v.ContainerPort + ": connection refused."
	case err != nil:
		v.Error = err.Error()
	default:
		v.Status, v.Body = res.Status, res.Body
		if len(v.Body) > 8<<10 {
			v.Body = v.Body[:8<<10] + "\n…"
		}
	}
	return v
}

// details renders the file explorer ("tree": one directory of an image or a
// container) or the contents of one layer ("layer").
//
// A tree target is "image:<short id>:<dir>" or "container:<name>:<dir>"; a
// layer target is "<short image id>:<diffID>".
func (s *Server) details(ctx context.Context, sess *session, kind, target string) (string, error) {
	eng := sess.console.Engine()
	var buf bytes.Buffer
	switch kind {
	case "tree":
		v, err := treeView(eng, target)
		if err != nil {
			return "", err
		}
		if err := ui.Tree(v).Render(ctx, &buf); err != nil {
			return "", err
		}
	case "layer":
		v, err := layerView(eng, target)
		if err != nil {
			return "", err
		}
		if err := ui.LayerDetails(v).Render(ctx, &buf); err != nil {
			return "", err
		}
	case "visit":
		if err := ui.Visit(visitView(eng, target)).Render(ctx, &buf); err != nil {
			return "", err
		}
	}
	return buf.String(), nil
}

func findImage(eng *engine.Engine, short string) (engine.ImageInfo, bool) {
	for _, img := range eng.Images() {
		if strings.HasPrefix(img.ID.Encoded(), short) && short != "" {
			return img, true
		}
	}
	return engine.ImageInfo{}, false
}

func treeView(eng *engine.Engine, target string) (ui.TreeView, error) {
	kind, rest, _ := strings.Cut(target, ":")
	name, dir, _ := strings.Cut(rest, ":")
	dir = path.Clean("/" + dir)
	v := ui.TreeView{Dir: dir}
	switch kind {
	case "image":
		img, ok := findImage(eng, name)
		if !ok {
			return v, fmt.Errorf("no image %s on this host", name)
		}
		v.Owner, v.Target = imageLabel(img), "image:"+name
		fsys := union.New(img.Image.Layers()...)
		v.Layers = len(img.Layers)
		n, ok := fsys.Lookup(strings.TrimPrefix(dir, "/"))
		if dir != "/" && (!ok || n.Type != layer.TypeDir) {
			return v, fmt.Errorf("%s is not a directory of %s", dir, v.Owner)
		}
		entries, err := fsys.ReadDir(strings.TrimPrefix(dir, "/") + map[bool]string{true: ".", false: ""}[dir == "/"])
		if err != nil {
			return v, err
		}
		for _, e := range entries {
			p := path.Join(dir, e.Name())
			n, _ := fsys.Lookup(strings.TrimPrefix(p, "/"))
			v.Entries = append(v.Entries, entryView(n, p, "", len(img.Layers)))
			if len(v.Entries) >= maxTreeEntries {
				v.Cut = true
				break
			}
		}
	case "container":
		c, err := eng.FindContainer(name)
		if err != nil {
			return v, err
		}
		v.Owner, v.Target, v.Container = c.Name, "container:"+c.Name, true
		v.Layers = len(c.Image.Layers())
		nodes, err := c.Upper.ReadDir(dir)
		if err != nil {
			return v, fmt.Errorf("%s is not a directory of %s", dir, c.Name)
		}
		lower := c.Upper.Lower()
		for _, n := range nodes {
			p := path.Join(dir, path.Base(n.Path))
			status := ""
			if n.Layer >= v.Layers {
				status = "added"
				if _, ok := lower.Lookup(strings.TrimPrefix(p, "/")); ok {
					status = "modified"
				}
			}
			v.Entries = append(v.Entries, entryView(n, p, status, v.Layers))
			if len(v.Entries) >= maxTreeEntries {
				v.Cut = true
				break
			}
		}
		for _, ch := range c.Upper.Changes() {
			if ch.Kind == union.Deleted && path.Dir(ch.Path) == dir {
				v.Entries = append(v.Entries, ui.TreeEntry{Name: path.Base(ch.Path), Path: ch.Path, Status: "whiteout", Origin: "writable layer"})
			}
		}
		sort.Slice(v.Entries, func(i, j int) bool { return v.Entries[i].Name < v.Entries[j].Name })
	default:
		return v, fmt.Errorf("unknown tree target %q", target)
	}
	if dir != "/" {
		v.Parent = path.Dir(dir)
	}
	return v, nil
}

func entryView(n union.Node, p, status string, layers int) ui.TreeEntry {
	e := ui.TreeEntry{Name: path.Base(p), Path: p, Dir: n.Type == layer.TypeDir, Link: n.Linkname, Status: status}
	if n.Type == layer.TypeReg {
		e.Size = sim.HumanSize(n.Size)
	}
	switch {
	case n.Layer < 0:
		e.Origin = "base"
	case n.Layer >= layers:
		e.Origin = "writable layer"
		e.Level = -1
	default:
		e.Origin = fmt.Sprintf("layer %d", n.Layer+1)
		e.Level = n.Layer % 6
	}
	return e
}

func imageLabel(img engine.ImageInfo) string {
	if len(img.Tags) > 0 {
		return img.Tags[0]
	}
	return img.ID.Encoded()[:12]
}

func layerView(eng *engine.Engine, target string) (ui.LayerDetailsView, error) {
	short, digest, _ := strings.Cut(target, ":")
	digest = strings.TrimPrefix(digest, "sha256:")
	img, ok := findImage(eng, short)
	if !ok {
		return ui.LayerDetailsView{}, fmt.Errorf("no image %s on this host", short)
	}
	for i, l := range img.Image.Layers() {
		if l.DiffID().Encoded() != digest {
			continue
		}
		below := union.New(img.Image.Layers()[:i]...)
		v := ui.LayerDetailsView{Image: imageLabel(img), Index: i + 1, Digest: l.DiffID().String(), Size: sim.HumanSize(l.Size()), CreatedBy: img.Layers[i].CreatedBy}
		for _, e := range l.Entries() {
			base := path.Base(e.Path)
			switch {
			case base == layer.OpaqueWhiteout:
				v.Deleted = append(v.Deleted, "/"+path.Dir(e.Path)+"/* (opaque: everything below from lower layers)")
			case strings.HasPrefix(base, layer.WhiteoutPrefix):
				v.Deleted = append(v.Deleted, "/"+path.Join(path.Dir(e.Path), strings.TrimPrefix(base, layer.WhiteoutPrefix)))
			case e.Type == layer.TypeDir:
			default:
				if _, ok := below.Lookup(e.Path); ok {
					v.Changed = append(v.Changed, "/"+e.Path)
				} else {
					v.Added = append(v.Added, "/"+e.Path)
				}
			}
		}
		v.Total = len(v.Added) + len(v.Changed) + len(v.Deleted)
		for _, list := range []*[]string{&v.Added, &v.Changed, &v.Deleted} {
			if len(*list) > 200 {
				*list = append((*list)[:200], fmt.Sprintf("… and %d more", len(*list)-200))
			}
		}
		return v, nil
	}
	return ui.LayerDetailsView{}, fmt.Errorf("image %s has no layer %s", short, shortID(digest))
}
