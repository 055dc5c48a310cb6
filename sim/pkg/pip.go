package pkg

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/shell"
)

// pyEnv is the Python a pip command belongs to.
type pyEnv struct {
	version  string // "3.12"
	site     string // where packages go
	bin      string // where console scripts go
	pip      string // pip's own version
	musl     bool
	system   bool // the distribution's Python (Debian's python3-pip)
	external bool // the distribution marks it EXTERNALLY-MANAGED (PEP 668)
}

func findPython(p *shell.Proc) (pyEnv, bool) {
	var e pyEnv
	e.musl = exists(p, "/lib/ld-musl-x86_64.so.1")
	minor := func(dir string) string {
		entries, _ := p.FS.ReadDir(dir)
		best := ""
		for _, n := range entries {
			b := path.Base(n.Path)
			if strings.HasPrefix(b, "python3.") && !strings.Contains(b[len("python3."):], "-") && len(b) > len(best) {
				best = b
			}
		}
		return strings.TrimPrefix(best, "python")
	}
	switch {
	case exists(p, "/usr/local/bin/python3"):
		e.version = minor("/usr/local/bin")
		if v := env(p, "PYTHON_VERSION", ""); v != "" {
			parts := strings.SplitN(v, ".", 3)
			if len(parts) >= 2 {
				e.version = parts[0] + "." + parts[1]
			}
		}
		e.site = "/usr/local/lib/python" + e.version + "/site-packages"
		e.bin = "/usr/local/bin"
	case exists(p, "/usr/bin/python3"):
		e.version = minor("/usr/bin")
		e.system = true
		e.site = "/usr/local/lib/python" + e.version + "/dist-packages"
		e.bin = "/usr/local/bin"
		e.external = exists(p, "/usr/lib/python"+e.version+"/EXTERNALLY-MANAGED")
	default:
		return e, false
	}
	if e.version == "" {
		return e, false
	}
	for _, dir := range []string{e.site, "/usr/lib/python3/dist-packages"} {
		entries, _ := p.FS.ReadDir(dir)
		for _, n := range entries {
			b := path.Base(n.Path)
			if strings.HasPrefix(b, "pip-") && strings.HasSuffix(b, ".dist-info") {
				e.pip = strings.TrimSuffix(strings.TrimPrefix(b, "pip-"), ".dist-info")
			}
		}
	}
	if e.pip == "" {
		e.pip = "24.2"
	}
	return e, true
}

// requirement is one thing pip was asked for, and where the request came from.
type requirement struct {
	spec  string // as written: "flask==3.0.3", "Werkzeug>=3.0.0"
	chain string // "-r requirements.txt (line 1)", "flask==3.0.3->-r …", or ""
}

func reqName(spec string) string {
	spec, _, _ = strings.Cut(spec, ";")
	end := strings.IndexAny(spec, "[=<>!~ (")
	if end < 0 {
		end = len(spec)
	}
	return strings.TrimSpace(spec[:end])
}

// reqPin returns the version of an "==" requirement.
func reqPin(spec string) string {
	spec, _, _ = strings.Cut(spec, ";")
	if i := strings.Index(spec, "=="); i >= 0 {
		return strings.TrimSpace(strings.TrimPrefix(spec[i+2:], "="))
	}
	return ""
}

type pipOpts struct {
	noCache, upgrade, noDeps, quiet, breakSystem bool
	rootWarn                                     bool
	reqFiles                                     []string
	specs                                        []string
	yes                                          bool
}

func (c *Catalog) pip(ctx context.Context, p *shell.Proc) int {
	py, ok := findPython(p)
	if !ok {
		fmt.Fprintf(p.Stderr, "/usr/bin/env: 'python3': No such file or directory\n")
		return 127
	}
	o := pipOpts{rootWarn: true}
	if env(p, "PIP_NO_CACHE_DIR", "") != "" {
		o.noCache = true
	}
	if env(p, "PIP_ROOT_USER_ACTION", "") == "ignore" {
		o.rootWarn = false
	}
	if env(p, "PIP_BREAK_SYSTEM_PACKAGES", "") != "" {
		o.breakSystem = true
	}
	cmd := ""
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, bool) {
			if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
				return v, true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		name, _, _ := strings.Cut(a, "=")
		switch {
		case a == "-V" || a == "--version":
			fmt.Fprintf(p.Stdout, "pip %s from %s/pip (python %s)\n", py.pip, py.site, py.version)
			return 0
		case a == "-h" || a == "--help":
			fmt.Fprint(p.Stdout, pipUsage)
			return 0
		case a == "--no-cache-dir":
			o.noCache = true
		case a == "-U" || a == "--upgrade" || a == "--force-reinstall":
			o.upgrade = true
		case a == "--no-deps":
			o.noDeps = true
		case a == "--break-system-packages":
			o.breakSystem = true
		case a == "-y" || a == "--yes":
			o.yes = true
		case strings.HasPrefix(a, "-q") && strings.Trim(a[1:], "q") == "" || a == "--quiet":
			o.quiet = true
		case name == "--root-user-action":
			v, _ := val()
			o.rootWarn = v != "ignore"
		case a == "-r" || name == "--requirement" || strings.HasPrefix(a, "-r") && len(a) > 2:
			var v string
			if strings.HasPrefix(a, "-r") && len(a) > 2 {
				v = a[2:]
			} else if v, ok = val(); !ok {
				fmt.Fprintln(p.Stderr, "\nUsage:   \n  pip install [options] <requirement specifier> [package-index-options] ...\n\n-r option requires 1 argument")
				return 2
			}
			o.reqFiles = append(o.reqFiles, v)
		case name == "-i" || name == "--index-url" || name == "--extra-index-url" || name == "--trusted-host" || name == "-c" || name == "--constraint" || name == "--target" || name == "-t" || name == "--prefix" || name == "--progress-bar" || name == "--cache-dir" || name == "--timeout" || name == "--retries" || name == "--platform" || name == "--python-version" || name == "--only-binary" || name == "--no-binary" ||
			name == "-w" || name == "--wheel-dir" || name == "-f" || name == "--find-links" || name == "-d" || name == "--dest" || name == "--src":
			val()
		case a == "--disable-pip-version-check" || a == "--no-color" || a == "--user" || a == "--prefer-binary" || a == "--no-compile" || a == "--no-warn-script-location" || a == "--no-input" || a == "-v" || a == "--verbose" || a == "--isolated" || a == "--ignore-installed" || a == "-I" || a == "--no-build-isolation" || a == "--pre" || a == "--no-index":
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(p.Stderr, "\nUsage:   \n  pip %s [options] <requirement specifier> [package-index-options] ...\n\nno such option: %s\n", orDefault(cmd, "install"), name)
			return 2
		case cmd == "":
			cmd = a
		default:
			o.specs = append(o.specs, a)
		}
	}
	switch cmd {
	case "":
		fmt.Fprint(p.Stdout, pipUsage)
		return 0
	case "install":
		return c.pipInstall(p, py, o)
	case "uninstall":
		return pipUninstall(p, py, o)
	case "list":
		return pipList(p, py, false)
	case "freeze":
		return pipList(p, py, true)
	case "show":
		return pipShow(p, py, o.specs)
	case "download", "wheel", "check", "config", "cache", "index", "inspect", "hash", "completion", "debug", "search", "help":
		fmt.Fprintf(p.Stderr, "pip %s: not simulated in this teaching environment\n", cmd)
		return 0
	}
	fmt.Fprintf(p.Stderr, "ERROR: unknown command \"%s\"\n", cmd)
	return 1
}

const pipUsage = `
Usage:   
  pip <command> [options]

Commands:
  install                     Install packages.
  uninstall                   Uninstall packages.
  freeze                      Output installed packages in requirements format.
  list                        List installed packages.
  show                        Show information about installed packages.
`

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// pipSize is pip's format_size.
func pipSize(n int64) string {
	switch {
	case n > 1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n > 10*1000:
		return fmt.Sprintf("%d kB", n/1000)
	case n > 1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

// distName is how the package's wheel and dist-info directory are named.
func (pk *pyPkg) distName() string {
	if pk.wheelPrefix != "" {
		return pk.wheelPrefix
	}
	return strings.ReplaceAll(normalize(pk.name), "-", "_")
}

func (pk *pyPkg) wheelFile(version string, py pyEnv) string {
	if pk.tag == "cp" {
		abi := "cp" + strings.ReplaceAll(py.version, ".", "")
		plat := "manylinux_2_17_x86_64.manylinux2014_x86_64"
		if py.musl {
			plat = "musllinux_1_1_x86_64"
		}
		return fmt.Sprintf("%s-%s-%s-%s-%s.whl", pk.distName(), version, abi, abi, plat)
	}
	return fmt.Sprintf("%s-%s-py3-none-any.whl", pk.distName(), version)
}

func (pk *pyPkg) hasVersion(v string) bool {
	return v == pk.version || containsStr(pk.versions, v)
}

func (pk *pyPkg) allVersions() string {
	vs := append(append([]string(nil), pk.versions...), pk.version)
	return strings.Join(vs, ", ")
}

// distInfo is one *.dist-info directory of a site-packages directory.
type distInfo struct{ dir, name, version string }

// distInfos lists the dist-info directories in site, named
// NAME-VERSION.dist-info as pip writes them.
func distInfos(p *shell.Proc, site string) []distInfo {
	entries, _ := p.FS.ReadDir(site)
	var out []distInfo
	for _, n := range entries {
		b := path.Base(n.Path)
		stem, ok := strings.CutSuffix(b, ".dist-info")
		i := strings.LastIndex(stem, "-")
		if !ok || i < 0 {
			continue
		}
		out = append(out, distInfo{dir: path.Join(site, b), name: stem[:i], version: stem[i+1:]})
	}
	return out
}

// installedDist finds a package's dist-info directory in site.
func installedDist(p *shell.Proc, site, name string) (dir, version string, ok bool) {
	want := normalize(name)
	for _, d := range distInfos(p, site) {
		if normalize(d.name) == want {
			return d.dir, d.version, true
		}
	}
	return "", "", false
}

func pipCacheBody(p *shell.Proc, url string) string {
	sum := fmt.Sprintf("%x", sha256.Sum224([]byte(url)))
	home := env(p, "HOME", "/root")
	return path.Join(home, ".cache/pip/http-v2", sum[0:1], sum[1:2], sum[2:3], sum[3:4], sum[4:5], sum) + ".body"
}

func wheelURL(file string) string {
	return "https://files.pythonhosted.org/packages/" + file[:1] + "/" + file
}

func (c *Catalog) pipInstall(p *shell.Proc, py pyEnv, o pipOpts) int {
	if py.external && !o.breakSystem {
		fmt.Fprint(p.Stderr, externallyManaged)
		return 1
	}
	var queue []requirement
	for _, rf := range o.reqFiles {
		text, ok := readText(p, abs(p, rf))
		if !ok {
			fmt.Fprintf(p.Stderr, "ERROR: Could not open requirements file: [Errno 2] No such file or directory: '%s'\n", rf)
			return 1
		}
		for i, line := range strings.Split(text, "\n") {
			line, _, _ = strings.Cut(line, " #")
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") {
				continue
			}
			queue = append(queue, requirement{spec: line, chain: fmt.Sprintf("-r %s (line %d)", rf, i+1)})
		}
	}
	for _, s := range o.specs {
		queue = append(queue, requirement{spec: s})
	}
	if len(queue) == 0 {
		fmt.Fprintln(p.Stderr, "ERROR: You must give at least one requirement to install (see \"pip help install\")")
		return 1
	}
	out := p.Stdout
	if o.quiet {
		out = discard{}
	}
	type chosen struct {
		pk      *pyPkg
		version string
		spec    string
	}
	var picked []chosen
	seen := map[string]bool{}
	deps := map[string][]string{}
	var download time.Duration
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		name := reqName(r.spec)
		key := normalize(name)
		if seen[key] {
			continue
		}
		seen[key] = true
		from := ""
		if r.chain != "" {
			from = " (from " + r.chain + ")"
		}
		pk := c.pypi[key]
		pin := reqPin(r.spec)
		if pk == nil || (pin != "" && !pk.hasVersion(pin)) {
			fmt.Fprintf(out, "%s\n", strings.TrimSpace("Collecting "+r.spec+from))
			versions := "none"
			if pk != nil {
				versions = pk.allVersions()
			}
			fmt.Fprintf(p.Stderr, "ERROR: Could not find a version that satisfies the requirement %s%s (from versions: %s)\n", r.spec, from, versions)
			fmt.Fprintf(p.Stderr, "ERROR: No matching distribution found for %s\n", r.spec)
			return 1
		}
		version := pk.version
		if pin != "" {
			version = pin
		}
		if _, have, ok := installedDist(p, py.site, pk.name); ok && !o.upgrade && (pin == "" || have == version) {
			fmt.Fprintf(out, "Requirement already satisfied: %s in %s%s (%s)\n", r.spec, py.site, from, have)
		} else {
			fmt.Fprintf(out, "Collecting %s%s\n", r.spec, from)
			whl := pk.wheelFile(version, py)
			verb := "Downloading"
			if exists(p, pipCacheBody(p, wheelURL(whl)+".metadata")) {
				verb = "Using cached"
			} else {
				download += 60 * time.Millisecond
			}
			fmt.Fprintf(out, "  %s %s.metadata (%s)\n", verb, whl, pipSize(pk.meta))
			picked = append(picked, chosen{pk, version, r.spec})
		}
		if o.noDeps {
			continue
		}
		chain := r.spec
		if r.chain != "" {
			chain += "->" + r.chain
		}
		for _, dep := range pk.requires {
			deps[key] = append(deps[key], normalize(reqName(dep)))
			queue = append(queue, requirement{spec: dep, chain: chain})
		}
	}
	if len(picked) == 0 {
		if o.rootWarn && p.UID == 0 {
			fmt.Fprint(p.Stderr, rootWarning)
		}
		return 0
	}
	in := &installer{p: p, uid: p.UID, gid: p.GID}
	var total int64
	for _, ch := range picked {
		whl := ch.pk.wheelFile(ch.version, py)
		body := pipCacheBody(p, wheelURL(whl))
		if exists(p, body) {
			fmt.Fprintf(out, "Using cached %s (%s)\n", whl, pipSize(ch.pk.wheel))
			continue
		}
		fmt.Fprintf(out, "Downloading %s (%s)\n", whl, pipSize(ch.pk.wheel))
		if ch.pk.wheel > 512*1024 {
			fmt.Fprintf(out, "   %s %s/%s 40.0 MB/s eta 0:00:00\n", strings.Repeat("━", 40), strings.Fields(pipSize(ch.pk.wheel))[0], pipSize(ch.pk.wheel))
		}
		total += ch.pk.wheel
		if !o.noCache {
			in.file(body, nil, ch.pk.wheel, 0o644)
			in.file(pipCacheBody(p, wheelURL(whl)+".metadata"), nil, ch.pk.meta, 0o644)
		}
	}
	download += time.Duration(float64(total) / 40e6 * float64(time.Second))
	spend(p, download)

	// dependencies before the packages that need them, as pip installs them
	byKey := map[string]chosen{}
	for _, ch := range picked {
		byKey[normalize(ch.pk.name)] = ch
	}
	var order []chosen
	done := map[string]bool{}
	var visit func(key string)
	visit = func(key string) {
		if done[key] {
			return
		}
		done[key] = true
		for _, d := range deps[key] {
			visit(d)
		}
		if ch, ok := byKey[key]; ok {
			order = append(order, ch)
		}
	}
	for _, ch := range picked {
		visit(normalize(ch.pk.name))
	}
	var names, installed []string
	for _, ch := range order {
		names = append(names, ch.pk.name)
		installed = append(installed, ch.pk.name+"-"+ch.version)
	}
	fmt.Fprintf(out, "Installing collected packages: %s\n", strings.Join(names, ", "))
	for _, ch := range order {
		if dir, _, ok := installedDist(p, py.site, ch.pk.name); ok {
			removeDist(p, py, dir)
			fmt.Fprintf(out, "  Attempting uninstall: %s\n", ch.pk.name)
		}
		c.pipFiles(in, py, ch.pk, ch.version)
	}
	if in.err != nil {
		fmt.Fprintf(p.Stderr, "ERROR: Could not install packages due to an OSError: [Errno 13] %s\n", errText(in.err))
		return 1
	}
	spend(p, time.Duration(len(order))*200*time.Millisecond)
	sort.Strings(installed)
	fmt.Fprintf(out, "Successfully installed %s\n", strings.Join(installed, " "))
	if o.rootWarn && p.UID == 0 {
		fmt.Fprint(p.Stderr, rootWarning)
	}
	return 0
}

const rootWarning = "WARNING: Running pip as the 'root' user can result in broken permissions and conflicting behaviour with the system package manager, possibly rendering your system unusable. It is recommended to use a virtual environment instead: https://pip.pypa.io/warnings/venv. Use the --root-user-action option if you know what you are doing and want to suppress this warning.\n"

const externallyManaged = `error: externally-managed-environment

× This environment is externally managed
╰─> To install Python packages system-wide, try apt install
    python3-xyz, where xyz is the package you are trying to
    install.
    
    If you wish to install a non-Debian-packaged Python package,
    create a virtual environment using python3 -m venv path/to/venv.
    Then use path/to/venv/bin/python to make sure you are using
    a non-Debian-packaged Python installation.

note: If you believe this is a mistake, please contact your Python installation or OS distribution provider. You can override this, at the risk of breaking your Python installation or OS, by passing --break-system-packages.
hint: See PEP 668 for the detailed specification.
`

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// pipFiles writes one installed distribution: its import packages, compiled
// bytecode, dist-info metadata and console scripts.
func (c *Catalog) pipFiles(in *installer, py pyEnv, pk *pyPkg, version string) {
	tag := "cpython-" + strings.ReplaceAll(py.version, ".", "")
	imports := pk.imports
	if len(imports) == 0 {
		imports = []string{strings.ReplaceAll(normalize(pk.name), "-", "_")}
	}
	rest := pk.size - pk.meta - 2000
	if rest < int64(len(imports))*1000 {
		rest = int64(len(imports)) * 1000
	}
	var record strings.Builder
	add := func(rel string, data []byte, size int64) {
		in.file(path.Join(py.site, rel), data, size, 0o644)
		fmt.Fprintf(&record, "%s,,%d\n", rel, size)
	}
	share := rest / int64(len(imports))
	for _, imp := range imports {
		head := fmt.Sprintf("# %s %s (teaching copy: real size, no code)\n", pk.name, version)
		if pk.tag == "cp" {
			so := imp + "/_core." + tag + "-x86_64-linux-" + map[bool]string{false: "gnu", true: "musl"}[py.musl] + ".so"
			add(so, binaryStub(path.Join(py.site, so)), share*5/10)
			add(imp+"/__init__.py", []byte(head), share*3/10)
			add(imp+"/__pycache__/__init__."+tag+".pyc", nil, share-share*5/10-share*3/10)
			continue
		}
		add(imp+"/__init__.py", []byte(head), share*6/10)
		add(imp+"/__pycache__/__init__."+tag+".pyc", nil, share-share*6/10)
	}
	info := pk.distName() + "-" + version + ".dist-info"
	meta := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", pk.name, version)
	for _, r := range pk.requires {
		meta += "Requires-Dist: " + r + "\n"
	}
	add(info+"/METADATA", []byte(meta), max(pk.meta, int64(len(meta))))
	add(info+"/INSTALLER", []byte("pip\n"), 4)
	wheelTag := "py3-none-any"
	if pk.tag == "cp" {
		wheelTag = strings.TrimSuffix(strings.TrimPrefix(pk.wheelFile(version, py), pk.distName()+"-"+version+"-"), ".whl")
	}
	wheel := "Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: " + map[bool]string{true: "false", false: "true"}[pk.tag == "cp"] + "\nTag: " + wheelTag + "\n"
	add(info+"/WHEEL", []byte(wheel), int64(len(wheel)))
	if len(pk.scripts) > 0 {
		var ep strings.Builder
		ep.WriteString("[console_scripts]\n")
		for _, s := range pk.scripts {
			ep.WriteString(s[0] + " = " + s[1] + "\n")
			mod, fn, _ := strings.Cut(s[1], ":")
			script := fmt.Sprintf("#!%s/python%s\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom %s import %s\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(%s())\n", py.bin, py.version, mod, fn, fn)
			in.file(path.Join(py.bin, s[0]), []byte(script), int64(len(script)), 0o755)
			fmt.Fprintf(&record, "../../../bin/%s,,%d\n", s[0], len(script))
		}
		add(info+"/entry_points.txt", []byte(ep.String()), int64(ep.Len()))
	}
	record.WriteString(info + "/RECORD,,\n")
	in.text(path.Join(py.site, info, "RECORD"), record.String(), 0o644)
}

// removeDist deletes what a dist-info RECORD lists, then the dist-info itself.
func removeDist(p *shell.Proc, py pyEnv, dir string) {
	text, _ := readText(p, path.Join(dir, "RECORD"))
	for _, line := range strings.Split(text, "\n") {
		rel, _, _ := strings.Cut(line, ",")
		if rel == "" {
			continue
		}
		_ = p.FS.Remove(path.Clean(path.Join(py.site, rel)))
	}
	_ = p.FS.RemoveAll(dir)
}

func pipUninstall(p *shell.Proc, py pyEnv, o pipOpts) int {
	if len(o.specs) == 0 {
		fmt.Fprintln(p.Stderr, "ERROR: You must give at least one requirement to uninstall (see \"pip help uninstall\")")
		return 1
	}
	for _, s := range o.specs {
		name := reqName(s)
		dir, version, ok := installedDist(p, py.site, name)
		if !ok {
			fmt.Fprintf(p.Stderr, "WARNING: Skipping %s as it is not installed.\n", name)
			continue
		}
		fmt.Fprintf(p.Stdout, "Found existing installation: %s %s\n", name, version)
		fmt.Fprintf(p.Stdout, "Uninstalling %s-%s:\n", name, version)
		if !o.yes {
			fmt.Fprintf(p.Stdout, "  Would remove:\n    %s/*\nProceed (Y/n)? ", dir)
			answer, _ := readLine(p.Stdin)
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "" && a != "y" && a != "yes" {
				continue
			}
		}
		removeDist(p, py, dir)
		fmt.Fprintf(p.Stdout, "  Successfully uninstalled %s-%s\n", name, version)
	}
	if o.rootWarn && p.UID == 0 {
		fmt.Fprint(p.Stderr, rootWarning)
	}
	return 0
}

type pyDist struct{ name, version string }

func installedDists(p *shell.Proc, py pyEnv) []pyDist {
	var out []pyDist
	for _, di := range distInfos(p, py.site) {
		d := pyDist{di.name, di.version}
		meta, _ := readText(p, path.Join(di.dir, "METADATA"))
		for _, line := range strings.Split(meta, "\n") {
			if v, ok := strings.CutPrefix(line, "Name: "); ok {
				d.name = v
			}
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].name) < strings.ToLower(out[j].name) })
	return out
}

func pipList(p *shell.Proc, py pyEnv, freeze bool) int {
	dists := installedDists(p, py)
	if freeze {
		for _, d := range dists {
			switch normalize(d.name) {
			case "pip", "setuptools", "wheel", "distribute":
				continue
			}
			fmt.Fprintf(p.Stdout, "%s==%s\n", d.name, d.version)
		}
		return 0
	}
	wn, wv := len("Package"), len("Version")
	for _, d := range dists {
		wn, wv = max(wn, len(d.name)), max(wv, len(d.version))
	}
	fmt.Fprintf(p.Stdout, "%-*s %-*s\n", wn, "Package", wv, "Version")
	fmt.Fprintf(p.Stdout, "%s %s\n", strings.Repeat("-", wn), strings.Repeat("-", wv))
	for _, d := range dists {
		fmt.Fprintf(p.Stdout, "%-*s %s\n", wn, d.name, d.version)
	}
	return 0
}

func pipShow(p *shell.Proc, py pyEnv, names []string) int {
	if len(names) == 0 {
		fmt.Fprintln(p.Stderr, "ERROR: Please provide a package name or names.")
		return 1
	}
	found := false
	for i, n := range names {
		dir, version, ok := installedDist(p, py.site, n)
		if !ok {
			continue
		}
		if found || i > 0 {
			fmt.Fprintln(p.Stdout, "---")
		}
		found = true
		meta, _ := readText(p, path.Join(dir, "METADATA"))
		name := n
		var requires []string
		for _, line := range strings.Split(meta, "\n") {
			if v, ok := strings.CutPrefix(line, "Name: "); ok {
				name = v
			}
			if v, ok := strings.CutPrefix(line, "Requires-Dist: "); ok {
				requires = append(requires, reqName(v))
			}
		}
		fmt.Fprintf(p.Stdout, "Name: %s\nVersion: %s\nLocation: %s\nRequires: %s\n", name, version, py.site, strings.Join(requires, ", "))
	}
	if !found {
		fmt.Fprintf(p.Stderr, "WARNING: Package(s) not found: %s\n", strings.Join(names, ", "))
		return 1
	}
	return 0
}
