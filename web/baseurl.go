package web

import (
	"fmt"
	"net/url"
	"strings"
)

// NormalizeBaseURL checks the address learners open the server at: an
// absolute http or https URL with a host, maybe a path prefix, no query,
// fragment or credentials. It returns it without a trailing slash.
func NormalizeBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %v", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: want an http:// or https:// URL, like https://layerlab.example.org", s)
	case u.Host == "":
		return "", fmt.Errorf("%q has no host", s)
	case u.User != nil:
		return "", fmt.Errorf("%q: a base URL carries no user or password", s)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("%q: a base URL has no query or fragment", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}
