package pkg

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/layerlab/layerlab/sim/shell"
)

const extendedStates = "/var/lib/apt/extended_states"

// autoSet reads which packages apt marked as automatically installed.
func autoSet(p *shell.Proc) map[string]bool {
	auto := map[string]bool{}
	text, _ := readText(p, extendedStates)
	for _, stanza := range strings.Split(text, "\n\n") {
		f := stanzaFields(strings.Trim(stanza, "\n"))
		if f["Package"] != "" && f["Auto-Installed"] == "1" {
			auto[f["Package"]] = true
		}
	}
	return auto
}

func writeAutoSet(p *shell.Proc, auto map[string]bool) error {
	var b strings.Builder
	for _, n := range sortedKeys(auto) {
		if auto[n] {
			fmt.Fprintf(&b, "Package: %s\nArchitecture: amd64\nAuto-Installed: 1\n\n", n)
		}
	}
	p.FS.MkdirAll("/var/lib/apt", 0o755)
	return p.FS.WriteFile(extendedStates, []byte(b.String()), 0o644)
}

// apt-mark auto|manual|showauto|showmanual|hold|unhold|showhold [PACKAGE…]
func aptMarkProg(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	var ops []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, a)
		}
	}
	if len(ops) == 0 {
		fmt.Fprintln(p.Stderr, "E: No operation specified")
		return 100
	}
	st := readStatus(p)
	auto := autoSet(p)
	installed := sortedKeys(st.versions)
	// Like apt, an argument with regular-expression characters matches
	// every installed package it describes.
	match := func(names []string) ([]string, bool) {
		var out []string
		for _, n := range names {
			if _, ok := st.versions[n]; !ok && strings.ContainsAny(n, "*?[]^$+|()\\") {
				re, err := regexp.Compile("^(?:" + n + ")$")
				if err != nil {
					fmt.Fprintf(p.Stderr, "E: Regex compilation error - %v\n", err)
					return nil, false
				}
				for _, in := range installed {
					if re.MatchString(in) {
						out = append(out, in)
					}
				}
				continue
			}
			if _, ok := st.versions[n]; !ok {
				fmt.Fprintf(p.Stderr, "E: Unable to locate package %s\n", n)
				return nil, false
			}
			out = append(out, n)
		}
		return out, true
	}
	switch ops[0] {
	case "showmanual", "showauto":
		for _, n := range installed {
			if auto[n] == (ops[0] == "showauto") {
				fmt.Fprintln(p.Stdout, n)
			}
		}
		return 0
	case "showhold", "showheld":
		return 0
	case "auto", "manual", "markauto", "unmarkauto":
		if p.UID != 0 {
			fmt.Fprintln(p.Stderr, "E: Could not create temporary file for /var/lib/apt/extended_states - mkstemp (13: Permission denied)")
			return 100
		}
		names, ok := match(ops[1:])
		if !ok {
			return 100
		}
		toAuto := ops[0] == "auto" || ops[0] == "markauto"
		for _, n := range names {
			switch {
			case auto[n] == toAuto && toAuto:
				fmt.Fprintf(p.Stdout, "%s was already set to automatically installed.\n", n)
			case auto[n] == toAuto:
				fmt.Fprintf(p.Stdout, "%s was already set to manually installed.\n", n)
			case toAuto:
				fmt.Fprintf(p.Stdout, "%s set to automatically installed.\n", n)
			default:
				fmt.Fprintf(p.Stdout, "%s set to manually installed.\n", n)
			}
			auto[n] = toAuto
		}
		if err := writeAutoSet(p, auto); err != nil {
			fmt.Fprintf(p.Stderr, "E: %s\n", errText(err))
			return 100
		}
		return 0
	case "hold", "unhold":
		names, ok := match(ops[1:])
		if !ok {
			return 100
		}
		for _, n := range names {
			if ops[0] == "hold" {
				fmt.Fprintf(p.Stdout, "%s set on hold.\n", n)
			} else {
				fmt.Fprintf(p.Stdout, "Canceled hold on %s.\n", n)
			}
		}
		return 0
	}
	fmt.Fprintf(p.Stderr, "E: Invalid operation %s\n", ops[0])
	return 100
}

// autoRemovable lists the automatically installed packages no manually
// installed one needs (through Depends and Pre-Depends, and Recommends
// when they count), as apt-get autoremove finds them.
func autoRemovable(d *aptDist, st *dpkgStatus, auto map[string]bool, recommendsImportant bool) []string {
	if d == nil {
		return nil
	}
	provided := map[string][]string{} // virtual name -> installed providers
	pkgs := map[string]*debPkg{}
	for name := range st.versions {
		pk := d.lookup(name)
		if pk == nil {
			continue
		}
		pkgs[name] = pk
		for _, v := range pk.provides {
			provided[v] = append(provided[v], name)
		}
	}
	keep := map[string]bool{}
	var mark func(name string)
	mark = func(name string) {
		if keep[name] {
			return
		}
		keep[name] = true
		pk := pkgs[name]
		if pk == nil {
			return
		}
		rels := pk.deps
		if recommendsImportant {
			rels = append(append([]string(nil), rels...), pk.recommends...)
		}
		for _, dep := range rels {
			for _, alt := range splitAlts(dep) {
				if _, ok := st.versions[alt]; ok {
					mark(alt)
					break
				}
				if prov := provided[alt]; len(prov) > 0 {
					mark(prov[0])
					break
				}
			}
		}
	}
	for name := range st.versions {
		if !auto[name] {
			mark(name)
		}
	}
	var out []string
	for name := range st.versions {
		if !keep[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// dpkg-query -l|-s|-L|-W|-S: the status database, as dpkg answers it.
func (c *Catalog) dpkgQuery(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	if len(args) == 0 {
		fmt.Fprintln(p.Stderr, "dpkg-query: error: need an action option\n\nUse --help for help about querying packages.")
		return 2
	}
	switch args[0] {
	case "-S", "--search":
		return dpkgSearch(p, args[1:])
	case "-W", "--show":
		st := readStatus(p)
		format := "${binary:Package}\t${Version}\n"
		var names []string
		for i := 1; i < len(args); i++ {
			a := args[i]
			switch {
			case a == "-f" || a == "--showformat":
				if i+1 < len(args) {
					i++
					format = args[i]
				}
			case strings.HasPrefix(a, "-f"):
				format = a[2:]
			case strings.HasPrefix(a, "--showformat="):
				format = strings.TrimPrefix(a, "--showformat=")
			default:
				names = append(names, a)
			}
		}
		if len(names) == 0 {
			names = sortedKeys(st.versions)
		}
		status := 0
		for _, n := range names {
			v, ok := st.versions[n]
			if !ok {
				fmt.Fprintf(p.Stderr, "dpkg-query: no packages found matching %s\n", n)
				status = 1
				continue
			}
			f := stanzaFields(st.stanzas[n])
			out := strings.NewReplacer("${binary:Package}", n, "${Package}", n, "${Version}", v,
				"${Architecture}", f["Architecture"], "${Installed-Size}", f["Installed-Size"], "${Status}", f["Status"],
				"${db:Status-Abbrev}", "ii ", "\\n", "\n", "\\t", "\t").Replace(format)
			fmt.Fprint(p.Stdout, out)
		}
		return status
	}
	// -l, -s, -L are dpkg's own
	return c.dpkg(ctx, p)
}

// dpkgSearch finds which installed packages own paths matching patterns.
func dpkgSearch(p *shell.Proc, patterns []string) int {
	if len(patterns) == 0 {
		fmt.Fprintln(p.Stderr, "dpkg-query: error: --search needs at least one file name pattern argument")
		return 2
	}
	entries, _ := p.FS.ReadDir("/var/lib/dpkg/info")
	lists := map[string][]string{}
	var owners []string
	for _, e := range entries {
		base := e.Path[strings.LastIndex(e.Path, "/")+1:]
		if !strings.HasSuffix(base, ".list") {
			continue
		}
		text, _ := readText(p, "/var/lib/dpkg/info/"+base)
		owner := strings.TrimSuffix(base, ".list")
		owners = append(owners, owner)
		lists[owner] = strings.Split(strings.TrimSpace(text), "\n")
	}
	sort.Strings(owners)
	status := 0
	for _, pat := range patterns {
		found := false
		for _, owner := range owners {
			for _, f := range lists[owner] {
				if f == "" {
					continue
				}
				if ok := globMatch(pat, f); ok {
					fmt.Fprintf(p.Stdout, "%s: %s\n", owner, f)
					found = true
				}
			}
		}
		if !found {
			fmt.Fprintf(p.Stderr, "dpkg-query: no path found matching pattern %s\n", pat)
			status = 1
		}
	}
	return status
}

// globMatch is fnmatch without FNM_PATHNAME: "*" crosses slashes. A
// pattern without wildcards must name the whole path, or its end.
func globMatch(pat, name string) bool {
	if !strings.ContainsAny(pat, "*?[") {
		return name == pat || strings.HasSuffix(name, "/"+strings.TrimPrefix(pat, "/"))
	}
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pat {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), name)
	return ok
}
