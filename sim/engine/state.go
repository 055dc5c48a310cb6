package engine

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
)

// DumpState writes everything the engine holds, in a fixed order and a
// plain text form: two engines that replayed the same commands from the
// same seed dump the same bytes. Writable layers and volumes appear as the
// digest of their content, so any difference in any file shows.
func (e *Engine) DumpState(w io.Writer) error {
	fmt.Fprintf(w, "clock %s\ncurrent %s\n", e.now.UTC().Format("2006-01-02T15:04:05.000000000Z"), e.current)
	for _, t := range e.RegistryRefs() {
		fmt.Fprintf(w, "registry %s %s\n", t, e.registry.repos[t].ManifestDigest())
	}
	var blobs []string
	for b := range e.registry.blobs {
		blobs = append(blobs, b.String())
	}
	sort.Strings(blobs)
	fmt.Fprintf(w, "registry blobs %s\n", digest.FromString(strings.Join(blobs, ",")))
	for _, name := range e.order {
		h := e.hosts[name]
		fmt.Fprintf(w, "host %s cache %d\n", name, h.cache.Len())
		var ids []string
		for id := range h.images {
			ids = append(ids, id.String())
		}
		sort.Strings(ids)
		for _, id := range ids {
			rec := h.images[digest.Digest(id)]
			fmt.Fprintf(w, "  image %s base=%t parent=%s created=%s\n", id, rec.base, rec.parent, rec.created.UTC().Format("15:04:05"))
		}
		var tags []string
		for t := range h.tags {
			tags = append(tags, t)
		}
		sort.Strings(tags)
		for _, t := range tags {
			fmt.Fprintf(w, "  tag %s %s\n", t, h.tags[t])
		}
		for _, c := range h.containers {
			upper, err := c.Upper.Diff()
			if err != nil {
				return fmt.Errorf("dumping container %s: %w", c.Name, err)
			}
			fmt.Fprintf(w, "  container %s %s image=%s state=%s exit=%d pid=%d restarts=%d upper=%s logs=%s cmd=%q\n",
				c.ID, c.Name, c.Image.ID(), c.State, c.ExitCode, c.Pid, c.RestartCount, upper.DiffID(),
				digest.FromString(c.Logs.String()), c.Cmd)
			for _, m := range c.Mounts {
				fmt.Fprintf(w, "    mount %s %s\n", m.Name, m.Destination)
			}
		}
		var vols []string
		for n := range h.volumes {
			vols = append(vols, n)
		}
		sort.Strings(vols)
		for _, n := range vols {
			data, err := h.volumes[n].Data.Diff()
			if err != nil {
				return fmt.Errorf("dumping volume %s: %w", n, err)
			}
			fmt.Fprintf(w, "  volume %s anonymous=%t data=%s\n", n, h.volumes[n].Anonymous, data.DiffID())
		}
	}
	return nil
}
