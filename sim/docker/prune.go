package docker

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// The prunes' questions, as docker CLI 28 words them.
const (
	containerPruneWarning = "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?"
	danglingImageWarning  = "WARNING! This will remove all dangling images.\nAre you sure you want to continue?"
	allImageWarning       = "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?"
	networkPruneWarning   = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?"
)

// pruneFilters refuses the filters the simulator does not apply to prunes
// (until=, label=) rather than ignore them.
func pruneFilters(f *flagSet) error {
	filters, err := filtersOf(f)
	if err != nil {
		return err
	}
	for k := range filters {
		return fmt.Errorf("layerlab: prune --filter %s is not simulated; prune without --filter", k)
	}
	return nil
}

func (c *Console) containerPrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if err := pruneFilters(f); err != nil {
		return err
	}
	if !f.bool("force") {
		return refusePrompt(out, containerPruneWarning)
	}
	text, reclaimed := c.pruneContainers()
	out.Write([]byte(text))
	fmt.Fprintf(out, "Total reclaimed space: %s\n", humanSize4(reclaimed))
	return nil
}

func (c *Console) imagePrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if err := pruneFilters(f); err != nil {
		return err
	}
	if !f.bool("force") {
		q := danglingImageWarning
		if f.bool("all") {
			q = allImageWarning
		}
		return refusePrompt(out, q)
	}
	text, reclaimed := c.pruneImages(f.bool("all"))
	out.Write([]byte(text))
	fmt.Fprintf(out, "Total reclaimed space: %s\n", humanSize4(reclaimed))
	return nil
}

func (c *Console) networkPrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if err := pruneFilters(f); err != nil {
		return err
	}
	if !f.bool("force") {
		return refusePrompt(out, networkPruneWarning)
	}
	out.Write([]byte(c.pruneNetworks()))
	return nil
}

// systemPrune runs the prunes docker system prune runs, in its order:
// containers, networks, volumes (with --volumes), images, build cache;
// each one's list, then one total.
func (c *Console) systemPrune(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	if err := pruneFilters(f); err != nil {
		return err
	}
	all, volumes := f.bool("all"), f.bool("volumes")
	if !f.bool("force") {
		warnings := []string{"all stopped containers", "all networks not used by at least one container"}
		if volumes {
			warnings = append(warnings, "all anonymous volumes not used by at least one container")
		}
		if all {
			warnings = append(warnings, "all images without at least one container associated to them", "all build cache")
		} else {
			warnings = append(warnings, "all dangling images", "unused build cache")
		}
		var b strings.Builder
		b.WriteString("WARNING! This will remove:\n")
		for _, w := range warnings {
			b.WriteString("  - " + w + "\n")
		}
		b.WriteString("\nAre you sure you want to continue?")
		return refusePrompt(out, b.String())
	}
	text, total := c.pruneContainers()
	text += c.pruneNetworks()
	if volumes {
		names, n := c.eng.PruneVolumes(false)
		total += n
		text += listing("Deleted Volumes:", names)
	}
	imgs, n := c.pruneImages(all)
	total += n
	text += imgs
	ids, n := c.eng.PruneBuildCache(all)
	total += n
	text += listing("Deleted build cache objects:", ids)
	out.Write([]byte(text))
	fmt.Fprintf(out, "Total reclaimed space: %s\n", humanSize4(total))
	return nil
}

// listing is one prune's part of the output: a heading, a line each, a
// blank line; nothing when nothing went.
func listing(heading string, lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return heading + "\n" + strings.Join(lines, "\n") + "\n\n"
}

func (c *Console) pruneContainers() (string, int64) {
	ids, reclaimed := c.eng.PruneContainers()
	return listing("Deleted Containers:", ids), reclaimed
}

func (c *Console) pruneImages(all bool) (string, int64) {
	recs, reclaimed := c.eng.PruneImages(all)
	lines := make([]string, 0, len(recs))
	for _, r := range recs {
		if r.Untagged != "" {
			lines = append(lines, "untagged: "+r.Untagged)
		} else {
			lines = append(lines, "deleted: "+r.Deleted)
		}
	}
	return listing("Deleted Images:", lines), reclaimed
}

func (c *Console) pruneNetworks() string {
	return listing("Deleted Networks:", c.eng.PruneNetworks())
}
