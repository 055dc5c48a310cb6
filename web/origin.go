package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// NormalizeOrigin reads a web origin, scheme://host[:port], and returns it
// in one canonical form: scheme and host in lower case, the scheme's
// default port dropped. Anything else (a path, user info, a host that is
// neither a DNS name nor an IP address, a port outside 1–65535) is refused:
// origins are stored with answers, shown to instructors and written into
// Content-Security-Policy headers.
func NormalizeOrigin(raw string) (string, error) {
	return normalizeOrigin(raw, false)
}

// normalizeOrigin is NormalizeOrigin; wildcard also accepts a first label
// of "*" (CSP's https://*.example.org).
func normalizeOrigin(raw string, wildcard bool) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%q is not an origin such as https://example.org: %s", shorten(raw, 60), why)
	}
	if len(raw) > 200 {
		return bad("too long")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("cannot be read")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return bad("the scheme must be http or https")
	}
	if u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return bad("an origin has no user, path, query or fragment")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return bad("empty port")
	}
	if err := checkHost(host, wildcard); err != nil {
		return bad(err.Error())
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return bad("the port must be a number from 1 to 65535")
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// checkHost accepts an IP address or a DNS name of letters, digits and
// hyphens (punycode for the rest).
func checkHost(host string, wildcard bool) error {
	if host == "" {
		return errors.New("no host")
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if wildcard {
		host = strings.TrimPrefix(host, "*.")
	}
	if len(host) > 253 {
		return errors.New("the host name is too long")
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("the host is not a valid name")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return errors.New("the host is not a valid name")
			}
		}
	}
	return nil
}

// NormalizeFrameAncestors checks the configured embedders: "*" or origins,
// which may start with a wildcard label.
func NormalizeFrameAncestors(list []string) ([]string, error) {
	var out []string
	for _, raw := range list {
		if raw == "*" {
			out = append(out, raw)
			continue
		}
		o, err := normalizeOrigin(raw, true)
		if err != nil {
			return nil, fmt.Errorf("frame ancestors: %w", err)
		}
		out = append(out, o)
	}
	return out, nil
}

// allowedHost says whether a request's Host is one this server answers
// as. Without a configured list, a server listening on loopback answers
// only as localhost or an IP address: a web page whose own name was
// re-pointed at 127.0.0.1 (DNS rebinding) is same-origin with itself, so
// checking Origin against Host alone would let it drive a console.
func (s *Server) allowedHost(r *http.Request) bool {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if len(s.cfg.AllowedHosts) > 0 {
		for _, a := range s.cfg.AllowedHosts {
			if strings.EqualFold(a, host) || strings.EqualFold(a, r.Host) {
				return true
			}
		}
		return false
	}
	if !s.listensOnLoopback() {
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// listensOnLoopback says whether cfg.Addr is a loopback address (or not
// given, as in tests that serve Handler themselves).
func (s *Server) listensOnLoopback() bool {
	if s.cfg.Addr == "" {
		return true
	}
	host, _, err := net.SplitHostPort(s.cfg.Addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
