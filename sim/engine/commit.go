package engine

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/image"
)

// Commit freezes a container's writable layer into a new layer on top of its
// image's layers: the only way a container's changes reach an image. The
// new image's config is the container's own (its command, entrypoint,
// environment, working directory, user and labels, as moby's
// CreateImageFromContainer takes them), then the --change instructions,
// read by the Dockerfile parser. message and author fill the history
// entry's Comment and the image's Author.
func (e *Engine) Commit(c *Container, ref, message, author string, changes []string) (*image.Image, error) {
	h := e.Host()
	l, err := c.Upper.Diff()
	if err != nil {
		return nil, errdefs.System(err)
	}
	cfg := c.Image.Config()
	cfg.History = slices.Clone(cfg.History)
	cfg.RootFS.DiffIDs = slices.Clone(cfg.RootFS.DiffIDs)
	own := &cfg.Config
	own.Entrypoint = slices.Clone(c.Entrypoint)
	own.Cmd = slices.Clone(c.Cmd[min(len(c.Entrypoint), len(c.Cmd)):])
	own.Env = slices.Clone(c.Env)
	own.User = c.User
	own.Labels = maps.Clone(c.Labels)
	if len(own.Labels) == 0 {
		own.Labels = nil
	}
	if c.WorkDir != "/" || own.WorkingDir != "" {
		own.WorkingDir = c.WorkDir
	}
	if err := applyChanges(&cfg, changes); err != nil {
		return nil, err
	}
	now := e.now
	cfg.Created = &now
	cfg.Author = author
	layers := slices.Clone(c.Image.Layers())
	empty := len(l.Entries()) == 0
	if !empty {
		layers = append(layers, l)
	}
	by := strings.Join(c.Cmd, " ")
	cfg.History = append(cfg.History, ocispec.History{Created: &now, CreatedBy: by, Comment: message, Author: author, EmptyLayer: empty})
	cfg.RootFS.DiffIDs = nil
	img, err := image.New(layers, cfg)
	if err != nil {
		return nil, errdefs.System(err)
	}
	h.addImage(img, false, e.now)
	h.images[img.ID()].parent = c.Image.ID()
	if ref != "" {
		e.tag(h, NormalizeRef(ref), img.ID())
	}
	e.emit.Send(sim.EvCommitted, sim.Committed{Container: c.Name, ImageID: img.ID().String(), DiffID: l.DiffID().String(), Size: l.Size()})
	return img, nil
}

// commitCommands are the instructions docker commit --change accepts
// (moby's validCommitCommands).
var commitCommands = map[string]bool{
	"cmd": true, "entrypoint": true, "env": true, "expose": true, "healthcheck": true, "label": true,
	"onbuild": true, "stopsignal": true, "user": true, "volume": true, "workdir": true,
}

// applyChanges reads --change lines as one Dockerfile and applies them to
// the config, as moby's BuildFromConfig does: ENV A=1 B=2 sets two
// variables, LABEL a=b c=d two labels, CMD and ENTRYPOINT take the shell or
// the exec form.
func applyChanges(cfg *dockerspec.DockerOCIImage, changes []string) error {
	if len(changes) == 0 {
		return nil
	}
	res, err := parser.Parse(strings.NewReader(strings.Join(changes, "\n")))
	if err != nil {
		return errdefs.InvalidParameter(err)
	}
	var cmds []instructions.Command
	for _, n := range res.AST.Children {
		if !commitCommands[strings.ToLower(n.Value)] {
			return errdefs.InvalidParameter(fmt.Errorf("%s is not a valid change command", n.Value))
		}
		cmd, err := instructions.ParseCommand(n)
		if err != nil {
			return errdefs.InvalidParameter(err)
		}
		cmds = append(cmds, cmd)
	}
	c := &cfg.Config
	for _, cmd := range cmds {
		switch cmd := cmd.(type) {
		case *instructions.CmdCommand:
			c.Cmd = execForm(cmd.CmdLine, cmd.PrependShell)
		case *instructions.EntrypointCommand:
			c.Entrypoint = execForm(cmd.CmdLine, cmd.PrependShell)
			c.Cmd = nil
		case *instructions.EnvCommand:
			for _, kv := range cmd.Env {
				c.Env = mergeEnv(c.Env, []string{kv.Key + "=" + kv.Value})
			}
		case *instructions.LabelCommand:
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			for _, kv := range cmd.Labels {
				c.Labels[kv.Key] = kv.Value
			}
		case *instructions.WorkdirCommand:
			dir := cmd.Path
			if !path.IsAbs(dir) {
				dir = path.Join("/", c.WorkingDir, dir)
			}
			c.WorkingDir = path.Clean(dir)
		case *instructions.UserCommand:
			c.User = cmd.User
		case *instructions.ExposeCommand:
			if c.ExposedPorts == nil {
				c.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range cmd.Ports {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				c.ExposedPorts[p] = struct{}{}
			}
		case *instructions.VolumeCommand:
			if c.Volumes == nil {
				c.Volumes = map[string]struct{}{}
			}
			for _, v := range cmd.Volumes {
				c.Volumes[v] = struct{}{}
			}
		case *instructions.StopSignalCommand:
			c.StopSignal = cmd.Signal
		case *instructions.OnbuildCommand:
			c.OnBuild = append(c.OnBuild, cmd.Expression)
		}
	}
	return nil
}

// execForm is a command as the config stores it: the shell form runs under
// /bin/sh -c.
func execForm(line []string, shell bool) []string {
	if shell {
		return []string{"/bin/sh", "-c", strings.Join(line, " ")}
	}
	return slices.Clone(line)
}
