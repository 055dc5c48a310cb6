package engine

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim/errdefs"
)

// Filters are --filter key=value pairs as the API carries them: the values
// of one key are alternatives (ORed), different keys must all hold.
type Filters map[string][]string

// Add records one key=value.
func (f Filters) Add(key, value string) {
	if !slices.Contains(f[key], value) {
		f[key] = append(f[key], value)
	}
}

// invalidFilter is moby's "invalid filter 'key'" or "invalid filter
// 'key=[values]'".
func invalidFilter(key string, values []string) error {
	msg := "invalid filter '" + key
	if values != nil {
		msg += fmt.Sprintf("=%v", values)
	}
	return errdefs.InvalidParameter(fmt.Errorf("%s'", msg))
}

// validate refuses a key the list does not know.
func (f Filters) validate(accepted ...string) error {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(accepted, k) {
			return invalidFilter(k, nil)
		}
	}
	return nil
}

// boolOrDefault reads a true/false key (1/0 too); both at once is refused.
func (f Filters) boolOrDefault(key string, def bool) (bool, error) {
	vals, ok := f[key]
	if !ok {
		return def, nil
	}
	isFalse := slices.Contains(vals, "0") || slices.Contains(vals, "false")
	isTrue := slices.Contains(vals, "1") || slices.Contains(vals, "true")
	if isFalse == isTrue {
		sorted := slices.Clone(vals)
		sort.Strings(sorted)
		return def, invalidFilter(key, sorted)
	}
	return isTrue, nil
}

// match reports whether source equals one of key's values or matches it as
// a regular expression (name=, status=); a key not given matches all.
func (f Filters) match(key, source string) bool {
	vals, ok := f[key]
	if !ok || len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		if v == source {
			return true
		}
		if ok, err := regexp.MatchString(v, source); err == nil && ok {
			return true
		}
	}
	return false
}

// matchLabels reports whether labels hold every label=key or label=key=value.
func (f Filters) matchLabels(labels map[string]string) bool {
	vals := f["label"]
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		k, want, hasValue := strings.Cut(v, "=")
		got, ok := labels[k]
		if !ok || (hasValue && got != want) {
			return false
		}
	}
	return true
}

// ListContainers is docker ps on the daemon's side: the containers that
// pass filters, newest first; all includes stopped ones.
func (e *Engine) ListContainers(f Filters, all bool) ([]*Container, error) {
	if err := f.validate("ancestor", "before", "exited", "id", "isolation", "label", "name", "status",
		"health", "since", "volume", "network", "is-task", "publish", "expose"); err != nil {
		return nil, err
	}
	var exited []int
	for _, v := range f["exited"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter 'exited=%s': %w", v, err))
		}
		exited = append(exited, n)
	}
	for _, v := range f["status"] {
		switch v {
		case Created, Running, Paused, Restarting, "removing", Exited, Dead:
		default:
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter 'status=%s': invalid value for state (%s): must be one of created, running, paused, restarting, removing, exited, dead", v, v))
		}
		all = true
	}
	for _, v := range f["health"] {
		switch v {
		case "starting", "healthy", "unhealthy", "none":
		default:
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid filter 'health=%s': Unrecognised filter value for health: %s", v, v))
		}
	}
	h := e.Host()
	bound := func(key string) (*Container, error) {
		var found *Container
		for _, v := range f[key] {
			c, err := h.findContainer(v)
			if err != nil {
				return nil, err
			}
			found = c
		}
		return found, nil
	}
	before, err := bound("before")
	if err != nil {
		return nil, err
	}
	since, err := bound("since")
	if err != nil {
		return nil, err
	}
	var ancestors map[digest.Digest]bool
	if vals, ok := f["ancestor"]; ok {
		ancestors = map[digest.Digest]bool{}
		for _, v := range vals {
			if img, err := h.resolve(v); err == nil {
				ancestors[img.ID()] = true
			}
		}
	}
	list := e.Containers() // newest first
	var out []*Container
	if before != nil || since != nil {
		all = true
	}
	pastSince := since == nil
	seenBefore := before == nil
	for i := len(list) - 1; i >= 0; i-- { // oldest first, for before= and since=
		c := list[i]
		if c == since {
			pastSince = true
			continue
		}
		if c == before {
			seenBefore = true
		}
		if !pastSince || seenBefore && before != nil {
			continue
		}
		if !all && !c.Running() && c.State != Restarting {
			continue
		}
		if !f.match("name", "/"+c.Name) && !f.match("name", c.Name) {
			continue
		}
		if !f.match("id", c.ID) || !f.match("status", c.State) || !f.matchLabels(containerLabels(c)) {
			continue
		}
		if len(exited) > 0 && (c.State != Exited || !slices.Contains(exited, c.ExitCode)) {
			continue
		}
		if ancestors != nil && !ancestors[c.Image.ID()] {
			continue
		}
		if vals, ok := f["volume"]; ok && !slices.ContainsFunc(c.Mounts, func(m Mount) bool {
			return slices.Contains(vals, m.Name) || slices.Contains(vals, m.Destination)
		}) {
			continue
		}
		if vals, ok := f["network"]; ok && !slices.ContainsFunc(e.NetworksOf(c), func(n string) bool { return slices.Contains(vals, n) }) {
			continue
		}
		if vals, ok := f["health"]; ok && !slices.Contains(vals, "none") {
			continue // no container has a HEALTHCHECK here
		}
		if f["is-task"] != nil && slices.Contains(f["is-task"], "true") {
			continue
		}
		out = append(out, c)
	}
	slices.Reverse(out)
	return out, nil
}

// ImageSummary is one image as docker images lists it: the references that
// passed the filters.
type ImageSummary struct {
	ImageInfo
	RepoTags    []string // "pageturn:1.0"
	RepoDigests []string // "learner/pageturn@sha256:…"
	Containers  int
}

// ListImages is docker images on the daemon's side. Without all, an
// untagged image that is the parent of another (an intermediate image) is
// left out.
func (e *Engine) ListImages(f Filters, all bool) ([]ImageSummary, error) {
	if err := f.validate("dangling", "label", "before", "since", "reference", "until"); err != nil {
		return nil, err
	}
	danglingOnly, err := f.boolOrDefault("dangling", false)
	if err != nil {
		return nil, err
	}
	h := e.Host()
	var beforeT, sinceT time.Time
	for _, v := range f["before"] {
		img, err := h.resolve(v)
		if err != nil {
			return nil, err
		}
		if c := img.Config().Created; c != nil && (beforeT.IsZero() || beforeT.After(*c)) {
			beforeT = *c
		}
	}
	for _, v := range f["until"] {
		t, err := untilTime(v, e.now)
		if err != nil {
			return nil, err
		}
		if beforeT.IsZero() || beforeT.After(t) {
			beforeT = t
		}
	}
	for _, v := range f["since"] {
		img, err := h.resolve(v)
		if err != nil {
			return nil, err
		}
		if c := img.Config().Created; c != nil && sinceT.Before(*c) {
			sinceT = *c
		}
	}
	children := map[digest.Digest]bool{}
	for _, rec := range h.images {
		if rec.parent != "" {
			children[rec.parent] = true
		}
	}
	var out []ImageSummary
	for _, im := range h.imageInfos() {
		created := im.ConfigCreated()
		if !beforeT.IsZero() && !created.Before(beforeT) {
			continue
		}
		if !sinceT.IsZero() && !created.After(sinceT) {
			continue
		}
		if _, ok := f["label"]; ok && !f.matchLabels(im.Image.Config().Config.Labels) {
			continue
		}
		s := ImageSummary{ImageInfo: im}
		for _, ref := range append(slices.Clone(im.Tags), e.repoDigests(h, im.ID)...) {
			if pats, ok := f["reference"]; ok {
				found := false
				for _, p := range pats {
					if familiarMatch(p, ref) {
						found = true
						break
					}
				}
				if !found {
					continue
				}
			}
			if strings.Contains(ref, "@") {
				s.RepoDigests = append(s.RepoDigests, ref)
			} else {
				s.RepoTags = append(s.RepoTags, ref)
			}
		}
		if s.RepoTags == nil && s.RepoDigests == nil {
			if !all && children[im.ID] {
				continue
			}
			if _, ok := f["dangling"]; ok && !danglingOnly {
				continue
			}
			if _, ok := f["reference"]; ok {
				continue
			}
		} else if danglingOnly && len(s.RepoTags) > 0 {
			continue
		}
		if danglingOnly && children[im.ID] {
			continue // not a head: another image is built on it
		}
		for _, c := range h.containers {
			if c.Image.ID() == im.ID {
				s.Containers++
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// familiarMatch is the distribution library's FamiliarMatch: the pattern
// against "name:tag", then against the name alone.
func familiarMatch(pattern, ref string) bool {
	if ok, _ := path.Match(pattern, ref); ok {
		return true
	}
	name := ref
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	} else if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// untilTime reads until=: a Go duration before now ("24h") or an RFC 3339
// date.
func untilTime(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	return time.Time{}, errdefs.InvalidParameter(fmt.Errorf("failed to parse value as time or duration: %q", v))
}

// ListVolumes is docker volume ls on the daemon's side: dangling=,
// name= (a substring), driver= and label= filters.
func (e *Engine) ListVolumes(f Filters) ([]VolumeUsage, error) {
	if err := f.validate("dangling", "name", "driver", "label"); err != nil {
		return nil, err
	}
	var dangling *bool
	if _, ok := f["dangling"]; ok {
		d, err := f.boolOrDefault("dangling", false)
		if err != nil {
			return nil, err
		}
		dangling = &d
	}
	var out []VolumeUsage
	for _, v := range e.DiskUsage().Volumes {
		if dangling != nil && (v.Links == 0) != *dangling {
			continue
		}
		if names, ok := f["name"]; ok && !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(v.Name, n) }) {
			continue
		}
		if drivers, ok := f["driver"]; ok && !slices.Contains(drivers, "local") {
			continue
		}
		if !f.matchLabels(nil) && f["label"] != nil {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}
