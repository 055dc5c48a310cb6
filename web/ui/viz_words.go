package ui

import (
	"context"
	"strings"
)

// The picture in words (vizText): one sentence per image, container and
// volume, each a message of its own so that it reads whole in every
// language.

func baseWords(ctx context.Context, b BaseView) string {
	s := T(ctx, "viz.words.base", map[string]any{"Name": b.Name, "N": len(b.Layers), "Size": b.Size})
	if b.SharedBy > 1 {
		s += T(ctx, "viz.words.base.shared", n(b.SharedBy))
	}
	return s + "."
}

func imageWords(ctx context.Context, img ImageView, base *BaseView) string {
	s := T(ctx, "viz.words.image", map[string]any{"Name": img.Name, "N": img.AllLayers, "Size": img.Size})
	if base != nil && !img.BaseOnly {
		s += T(ctx, "viz.words.image.on", map[string]any{"Base": base.Name})
	}
	if img.Parent != "" {
		s += T(ctx, "viz.words.image.parent", map[string]any{"Parent": img.Parent})
	}
	if img.Wasted != "" {
		s += T(ctx, "viz.words.image.waste", map[string]any{"Pct": img.Efficiency, "Size": img.Wasted})
	}
	return s + "."
}

func containerWords(ctx context.Context, c ContainerView, image string) string {
	var vols strings.Builder
	for _, v := range c.Volumes {
		vols.WriteString(T(ctx, "viz.words.container.volume", map[string]any{"Volume": v}))
	}
	return T(ctx, "viz.words.container", map[string]any{
		"Name": c.Name, "State": stateWords(ctx, c), "Image": image, "Size": c.Size, "Volumes": vols.String(),
	})
}

func volumeWords(ctx context.Context, v VolumeView) string {
	mounts := T(ctx, "viz.words.volume.unmounted")
	if len(v.Mounts) > 0 {
		mounts = T(ctx, "viz.words.volume.mounted", map[string]any{"Mounts": strings.Join(v.Mounts, ", ")})
	}
	return T(ctx, "viz.words.volume", map[string]any{"Name": volumeName(ctx, v), "Size": v.Size, "Mounts": mounts})
}
