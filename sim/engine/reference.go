package engine

import (
	"errors"
	"regexp"
	"strings"
)

// Reference is an image reference taken apart: [domain/]path[:tag][@digest].
type Reference struct {
	Domain string // "registry.example:5000", or "" for the default registry
	Path   string // "learner/pageturn", "python"
	Tag    string
	Digest string // "sha256:…"
}

// Name is the repository as the CLI shows it: domain and path.
func (r Reference) Name() string {
	if r.Domain != "" {
		return r.Domain + "/" + r.Path
	}
	return r.Path
}

// String is the reference with its tag, "latest" when it names neither a
// tag nor a digest: "pageturn:latest", "python@sha256:…".
func (r Reference) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	} else if r.Tag == "" {
		s += ":latest"
	}
	return s
}

// The grammar of distribution's reference package, written out again.
var (
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	domainPattern = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$`)
	tagPattern    = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
)

var errReferenceFormat = errors.New("invalid reference format")

// ParseReference reads a reference as the docker CLI and daemon do, with
// their errors: "invalid reference format", and the lower-case rule worded
// with the name the default registry would see ("library/Foo").
func ParseReference(s string) (Reference, error) {
	var r Reference
	if s == "" || len(s) > 4096 {
		return r, errReferenceFormat
	}
	rest := s
	if i := strings.Index(rest, "@"); i >= 0 {
		r.Digest = rest[i+1:]
		rest = rest[:i]
		if !digestPattern.MatchString(r.Digest) {
			return r, errReferenceFormat
		}
		if alg, hex, _ := strings.Cut(r.Digest, ":"); alg == "sha256" && len(hex) != 64 {
			return r, errors.New("invalid checksum digest length")
		}
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		r.Tag = rest[i+1:]
		rest = rest[:i]
		if !tagPattern.MatchString(r.Tag) {
			return r, errReferenceFormat
		}
	}
	if rest == "" {
		return r, errReferenceFormat
	}
	first, remainder, hasSlash := strings.Cut(rest, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost" || first != strings.ToLower(first)) {
		if !domainPattern.MatchString(first) {
			return r, errReferenceFormat
		}
		r.Domain, r.Path = first, remainder
	} else {
		r.Path = rest
	}
	for _, c := range strings.Split(r.Path, "/") {
		if !pathComponent.MatchString(strings.ToLower(c)) {
			return r, errReferenceFormat
		}
	}
	if r.Path != strings.ToLower(r.Path) {
		shown := r.Path
		if r.Domain == "" && !strings.Contains(shown, "/") {
			shown = "library/" + shown
		}
		return r, errors.New("invalid reference format: repository name (" + shown + ") must be lowercase")
	}
	if len(r.Name()) > 255 {
		return r, errors.New("repository name must not be more than 255 characters")
	}
	return r, nil
}
