package pkg

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
)

const (
	aptVersion = "2.6.1"
	listsDir   = "/var/lib/apt/lists"
	statusFile = "/var/lib/dpkg/status"
	// apt's download speed on the virtual clock: a fast mirror
	aptBytesPerSecond = 25e6
)

func (c *Catalog) aptGet(ctx context.Context, p *shell.Proc) int { return c.apt1(ctx, p, "apt-get") }

func (c *Catalog) aptCmd(ctx context.Context, p *shell.Proc) int {
	// apt says this whenever its output is not a terminal, as in a build
	fmt.Fprint(p.Stderr, "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n")
	return c.apt1(ctx, p, "apt")
}

type aptOpts struct {
	tool   string
	yes    bool
	quiet  int
	purge  bool
	noRec  bool // --no-install-recommends
	autoRm bool // --auto-remove
	recImp bool // APT::AutoRemove::RecommendsImportant (true unless turned off)
	args   []string
	dist   *aptDist
	stdout io.Writer
}

func (c *Catalog) apt1(ctx context.Context, p *shell.Proc, tool string) int {
	o := aptOpts{tool: tool, stdout: p.Stdout, recImp: true}
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.args = append(o.args, args[i+1:]...)
			i = len(args)
		case a == "-y" || a == "--yes" || a == "--assume-yes":
			o.yes = true
		case a == "-q" || a == "--quiet":
			o.quiet++
		case a == "--purge":
			o.purge = true
		case a == "--no-install-recommends":
			o.noRec = true
		case a == "-o" || a == "-c" || a == "-t" || a == "--option" || a == "--target-release":
			i++ // the option takes a value
			if i < len(args) && noRecommendsOption(args[i]) {
				o.noRec = true
			}
			if i < len(args) && strings.EqualFold(args[i], "APT::AutoRemove::RecommendsImportant=false") {
				o.recImp = false
			}
		case a == "--auto-remove" || a == "--autoremove":
			o.autoRm = true
		case strings.HasPrefix(a, "-o") && noRecommendsOption(strings.TrimPrefix(a, "-o")) ||
			strings.HasPrefix(a, "--option=") && noRecommendsOption(strings.TrimPrefix(a, "--option=")):
			o.noRec = true
		case strings.HasPrefix(a, "-o") || strings.HasPrefix(a, "--option=") || strings.HasPrefix(a, "-t") && len(a) > 2:
		case a == "-h" || a == "--help":
			fmt.Fprint(p.Stdout, aptUsage(tool))
			return 0
		case a == "-v" || a == "--version":
			fmt.Fprintf(p.Stdout, "apt %s (amd64)\n", aptVersion)
			return 0
		case aptIgnored(a):
			// flags that change nothing the simulation models
		case strings.HasPrefix(a, "--"):
			fmt.Fprintf(p.Stderr, "E: Command line option %s is not understood in combination with the other options\n", a)
			return 100
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, r := range a[1:] {
				switch r {
				case 'y':
					o.yes = true
				case 'q':
					o.quiet++
				case 'f', 'm', 'u', 'V', 'd', 's', 'b':
				default:
					fmt.Fprintf(p.Stderr, "E: Command line option '%c' [from %s] is not understood in combination with the other options.\n", r, a)
					return 100
				}
			}
		default:
			o.args = append(o.args, a)
		}
	}
	if o.quiet >= 2 {
		o.yes = true // -qq implies -y
	}
	if len(o.args) == 0 {
		fmt.Fprint(p.Stdout, aptUsage(tool))
		return 1
	}
	o.dist = c.apt[osRelease(p)["VERSION_CODENAME"]]
	cmd, names := o.args[0], o.args[1:]
	switch cmd {
	case "update":
		return c.aptUpdate(p, o)
	case "install":
		return c.aptInstall(p, o, names)
	case "remove", "purge":
		o.purge = o.purge || cmd == "purge"
		return c.aptRemove(p, o, names)
	case "autoremove", "autopurge":
		o.purge = o.purge || cmd == "autopurge"
		o.autoRm = true
		return c.aptRemove(p, o, names)
	case "upgrade", "dist-upgrade", "full-upgrade":
		if cmd == "full-upgrade" && tool == "apt-get" {
			break
		}
		if !aptRoot(p, o) {
			return 100
		}
		aptReading(o)
		fmt.Fprintln(o.stdout, "Calculating upgrade...")
		fmt.Fprintln(o.stdout, "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
		return 0
	case "clean", "autoclean":
		for _, dir := range []string{"/var/cache/apt/archives", "/var/cache/apt/archives/partial"} {
			entries, _ := p.FS.ReadDir(dir)
			for _, e := range entries {
				if strings.HasSuffix(e.Path, ".deb") {
					_ = p.FS.Remove(path.Join(dir, path.Base(e.Path)))
				}
			}
		}
		for _, bin := range []string{"/var/cache/apt/pkgcache.bin", "/var/cache/apt/srcpkgcache.bin"} {
			if exists(p, bin) {
				_ = p.FS.Remove(bin)
			}
		}
		return 0
	case "list":
		if tool == "apt" {
			return c.aptList(p, o, names)
		}
	case "check", "source", "download", "changelog", "build-dep", "show", "search", "policy", "satisfy":
		// real commands this simulation does not model: say so rather than pretend
		fmt.Fprintf(p.Stderr, "%s %s: not simulated in this teaching environment\n", tool, cmd)
		return 0
	}
	fmt.Fprintf(p.Stderr, "E: Invalid operation %s\n", cmd)
	return 100
}

// noRecommendsOption reports whether an -o option turns Recommends off.
func noRecommendsOption(v string) bool {
	k, val, _ := strings.Cut(v, "=")
	return strings.EqualFold(k, "APT::Install-Recommends") && (val == "false" || val == "0" || val == "no")
}

// aptIgnored reports the flags that change nothing the simulation models.
func aptIgnored(flag string) bool {
	switch flag {
	case "--no-install-suggests", "--install-recommends",
		"--install-suggests", "--fix-missing", "--fix-broken", "--reinstall",
		"--allow-unauthenticated", "--allow-downgrades", "--allow-remove-essential",
		"--allow-change-held-packages", "--only-upgrade", "--no-upgrade",
		"--show-progress", "--no-show-upgraded",
		"--ignore-missing", "--installed", "--upgradable", "--simulate":
		return true
	}
	return false
}

func aptUsage(tool string) string {
	return fmt.Sprintf(`apt %s (amd64)
Usage: %s [options] command
       %s [options] install|remove pkg1 [pkg2 ...]

%s is a command line interface for retrieval of packages
and information about them from authenticated sources and
for installation, upgrade and removal of packages together
with their dependencies.

Most used commands:
  update - Retrieve new lists of packages
  upgrade - Perform an upgrade
  install - Install new packages (pkg is libc6 not libc6.deb)
  remove - Remove packages
  purge - Remove packages and config files
  autoremove - Remove automatically all unused packages
  clean - Erase downloaded archive files

See %s(8) for more information about the available commands.
`, aptVersion, tool, tool, tool, tool)
}

func aptRoot(p *shell.Proc, o aptOpts) bool {
	if p.UID == 0 {
		return true
	}
	fmt.Fprintln(p.Stderr, "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)")
	fmt.Fprintln(p.Stderr, "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?")
	return false
}

// aptReading is the preamble of every command that loads the package lists;
// without a terminal apt prints no "Done".
func aptReading(o aptOpts) {
	if o.quiet > 0 {
		return
	}
	fmt.Fprintln(o.stdout, "Reading package lists...")
	fmt.Fprintln(o.stdout, "Building dependency tree...")
	fmt.Fprintln(o.stdout, "Reading state information...")
}

func (c *Catalog) aptUpdate(p *shell.Proc, o aptOpts) int {
	if p.UID != 0 {
		fmt.Fprintln(p.Stderr, "E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)")
		fmt.Fprintln(p.Stderr, "E: Unable to lock directory /var/lib/apt/lists/")
		return 100
	}
	d := o.dist
	if d == nil {
		codename := osRelease(p)["VERSION_CODENAME"]
		fmt.Fprintf(p.Stderr, "E: The repository 'http://deb.debian.org/debian %s Release' does not have a Release file.\n", codename)
		return 100
	}
	in := &installer{p: p}
	in.dir(listsDir + "/partial")
	var fetched int64
	n := 0
	for _, l := range d.lists {
		name := path.Join(listsDir, l.file)
		isRelease := strings.HasSuffix(l.label, "InRelease")
		if exists(p, name) {
			// unchanged since the last update: apt checks the release file and skips the rest
			if isRelease {
				n++
				if o.quiet == 0 {
					fmt.Fprintf(o.stdout, "Hit:%d %s\n", n, l.label)
				}
			}
			continue
		}
		if isRelease || l.fetch > 0 {
			n++
			if o.quiet == 0 {
				fmt.Fprintf(o.stdout, "Get:%d %s [%s]\n", n, l.label, aptSize(l.fetch))
			}
			fetched += l.fetch
		}
		in.file(name, nil, l.size, 0o644)
	}
	in.file(path.Join(listsDir, "lock"), nil, 0, 0o640)
	if in.err != nil {
		fmt.Fprintf(p.Stderr, "E: %s\n", errText(in.err))
		return 100
	}
	if fetched > 0 {
		aptFetched(p, o, fetched)
	}
	if o.quiet == 0 {
		fmt.Fprintln(o.stdout, "Reading package lists...")
	}
	if o.tool == "apt" {
		fmt.Fprintln(o.stdout, "Building dependency tree...")
		fmt.Fprintln(o.stdout, "Reading state information...")
		fmt.Fprintln(o.stdout, "All packages are up to date.")
	}
	return 0
}

// aptFetched prints apt's download summary and spends the time.
func aptFetched(p *shell.Proc, o aptOpts, n int64) {
	secs := float64(n)/aptBytesPerSecond + 0.3
	spend(p, time.Duration(secs*float64(time.Second)))
	if o.quiet == 0 {
		fmt.Fprintf(o.stdout, "Fetched %s in %s (%s/s)\n", aptSize(n), aptTime(secs), aptSize(int64(float64(n)/secs)))
	}
}

// aptSize is apt's SizeToStr: decimal units, at most four digits, one
// decimal below 100.
func aptSize(n int64) string {
	v := float64(n)
	units := []string{"B", "kB", "MB", "GB", "TB"}
	for i, u := range units {
		if v < 100 && i != 0 {
			return fmt.Sprintf("%.1f %s", v, u)
		}
		if v < 10000 || i == len(units)-1 {
			return fmt.Sprintf("%.0f %s", v, u)
		}
		v /= 1000
	}
	return ""
}

// aptTime is apt's TimeToStr for short durations.
func aptTime(secs float64) string {
	s := int(secs)
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%dmin %ds", s/60, s%60)
}

// dpkgStatus is /var/lib/dpkg/status: the stanzas by package name.
type dpkgStatus struct {
	order    []string
	stanzas  map[string]string
	versions map[string]string
}

func readStatus(p *shell.Proc) *dpkgStatus {
	st := &dpkgStatus{stanzas: map[string]string{}, versions: map[string]string{}}
	text, _ := readText(p, statusFile)
	for _, stanza := range strings.Split(text, "\n\n") {
		stanza = strings.Trim(stanza, "\n")
		if stanza == "" {
			continue
		}
		fields := stanzaFields(stanza)
		name := fields["Package"]
		if name == "" {
			continue
		}
		if _, dup := st.stanzas[name]; !dup {
			st.order = append(st.order, name)
		}
		st.stanzas[name] = stanza
		if strings.HasSuffix(fields["Status"], " installed") && !strings.Contains(fields["Status"], "not-installed") {
			st.versions[name] = fields["Version"]
		}
	}
	return st
}

func stanzaFields(stanza string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(stanza, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") {
			out[k] = v
		}
	}
	return out
}

func (st *dpkgStatus) write(p *shell.Proc) error {
	names := append([]string(nil), st.order...)
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(st.stanzas[n])
		b.WriteString("\n\n")
	}
	return p.FS.WriteFile(statusFile, []byte(b.String()), 0o644)
}

func (st *dpkgStatus) set(pk *debPkg) {
	if _, ok := st.stanzas[pk.name]; !ok {
		st.order = append(st.order, pk.name)
	}
	st.stanzas[pk.name] = fmt.Sprintf("Package: %s\nStatus: install ok installed\nInstalled-Size: %d\nArchitecture: %s\nVersion: %s\nDepends: %s\nDescription: %s",
		pk.name, (pk.size+1023)/1024, pk.arch, pk.version, strings.Join(pk.deps, ", "), pk.desc)
	st.versions[pk.name] = pk.version
}

func (st *dpkgStatus) drop(name string) {
	delete(st.stanzas, name)
	delete(st.versions, name)
	for i, n := range st.order {
		if n == name {
			st.order = append(st.order[:i], st.order[i+1:]...)
			break
		}
	}
}

// haveLists reports whether apt-get update has left package indexes behind.
func haveLists(p *shell.Proc) bool {
	entries, err := p.FS.ReadDir(listsDir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.Contains(path.Base(e.Path), "_Packages") {
			return true
		}
	}
	return false
}

func dpkgName(pk *debPkg) string {
	if strings.HasPrefix(pk.name, "lib") && pk.arch != "all" {
		return pk.name + ":" + pk.arch
	}
	return pk.name
}

func (c *Catalog) aptInstall(p *shell.Proc, o aptOpts, names []string) int {
	if !aptRoot(p, o) {
		return 100
	}
	aptReading(o)
	if len(names) == 0 {
		fmt.Fprintln(o.stdout, "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.")
		return 0
	}
	st := readStatus(p)
	lists := haveLists(p)
	var wanted []*debPkg
	failed := false
	for _, arg := range names {
		name, version, pinned := strings.Cut(arg, "=")
		name = strings.TrimSuffix(name, ":amd64")
		var pk *debPkg
		if o.dist != nil && lists {
			pk = o.dist.lookup(name)
			if pk == nil {
				switch provs := o.dist.providers(name); len(provs) {
				case 0:
				case 1:
					fmt.Fprintf(o.stdout, "Note, selecting '%s' instead of '%s'\n", provs[0], name)
					pk = o.dist.lookup(provs[0])
				default:
					fmt.Fprintf(o.stdout, "Package %s is a virtual package provided by:\n", name)
					for _, pr := range provs {
						if pp := o.dist.lookup(pr); pp != nil {
							fmt.Fprintf(o.stdout, "  %s %s\n", pp.name, pp.version)
						}
					}
					fmt.Fprintln(o.stdout, "You should explicitly select one to install.")
					fmt.Fprintln(o.stdout)
					fmt.Fprintf(p.Stderr, "E: Package '%s' has no installation candidate\n", name)
					failed = true
					continue
				}
			}
		}
		if pk == nil && o.dist != nil && o.dist.index == nil && lists && c.apt["bookworm"].lookup(name) != nil {
			// no real index for this release: do not claim the package does not exist
			fmt.Fprintf(p.Stderr, "layerlab: %s is not in this teaching copy's short list of %s packages; Debian's index has it, so the real release most likely does too\n", name, o.dist.codename)
			failed = true
			continue
		}
		if pk == nil {
			fmt.Fprintf(p.Stderr, "E: Unable to locate package %s\n", name)
			failed = true
			continue
		}
		if pinned && version != pk.version && !strings.HasSuffix(version, "*") {
			fmt.Fprintf(p.Stderr, "E: Version '%s' for '%s' was not found\n", version, name)
			failed = true
			continue
		}
		wanted = append(wanted, pk)
	}
	if failed {
		return 100
	}
	// dependencies first, each once, skipping what is installed or provided
	r := newAptResolver(o.dist, st, !o.noRec)
	order := r.closure(wanted, func(pk *debPkg, v string) {
		fmt.Fprintf(o.stdout, "%s is already the newest version (%s).\n", pk.name, v)
	})
	requested := map[string]bool{}
	for _, pk := range wanted {
		requested[pk.name] = true
	}
	var extra, all []string
	var download, size int64
	for _, pk := range order {
		all = append(all, pk.name)
		if !requested[pk.name] {
			extra = append(extra, pk.name)
		}
		download += pk.download
		size += pk.size
	}
	sort.Strings(extra)
	sort.Strings(all)
	if len(extra) > 0 {
		fmt.Fprint(o.stdout, "The following additional packages will be installed:\n"+wrap(extra))
	}
	if len(all) > 0 {
		fmt.Fprint(o.stdout, "The following NEW packages will be installed:\n"+wrap(all))
	}
	fmt.Fprintf(o.stdout, "0 upgraded, %d newly installed, 0 to remove and 0 not upgraded.\n", len(order))
	if len(order) == 0 {
		return 0
	}
	fmt.Fprintf(o.stdout, "Need to get %s of archives.\n", aptSize(download))
	fmt.Fprintf(o.stdout, "After this operation, %s of additional disk space will be used.\n", aptSize(size))
	if len(extra) > 0 && !o.yes {
		// apt asks only when it installs more than was named
		fmt.Fprint(o.stdout, "Do you want to continue? [Y/n] ")
		answer, ok := readLine(p.Stdin)
		answer = strings.TrimSpace(strings.ToLower(answer))
		if !ok || (answer != "" && answer != "y" && answer != "yes") {
			fmt.Fprintln(o.stdout, "Abort.")
			return 1
		}
	}
	for i, pk := range order {
		fmt.Fprintf(o.stdout, "Get:%d %s %s/main amd64 %s %s %s [%s]\n", i+1, o.dist.mirror, o.dist.suite, pk.name, pk.arch, pk.version, aptSize(pk.download))
	}
	fmt.Fprintln(p.Stderr, "debconf: delaying package configuration, since apt-utils is not installed")
	aptFetched(p, o, download)

	in := &installer{p: p}
	files := 70 * len(st.versions)
	for i, pk := range order {
		deb := fmt.Sprintf("%02d-%s_%s_%s.deb", i, pk.name, strings.ReplaceAll(pk.version, ":", "%3a"), pk.arch)
		fmt.Fprintf(o.stdout, "Selecting previously unselected package %s.\n", dpkgName(pk))
		if i == 0 {
			fmt.Fprintf(o.stdout, "(Reading database ... %d files and directories currently installed.)\n", files)
		}
		fmt.Fprintf(o.stdout, "Preparing to unpack .../%s ...\n", deb)
		fmt.Fprintf(o.stdout, "Unpacking %s (%s) ...\n", dpkgName(pk), pk.version)
		in.written = nil
		rest := pk.size - filesSize(pk.files)
		in.files("/", pk.files, "/usr/share/doc/"+pk.name+"/changelog.Debian.gz", rest)
		in.text("/usr/share/doc/"+pk.name+"/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: "+pk.name+"\n", 0o644)
		var list strings.Builder
		for _, w := range in.written {
			list.WriteString(w + "\n")
		}
		in.text("/var/lib/dpkg/info/"+dpkgName(pk)+".list", list.String(), 0o644)
		if in.err != nil {
			fmt.Fprintf(p.Stderr, "dpkg: error processing archive /var/cache/apt/archives/%s (--unpack):\n %s\n", deb, errText(in.err))
			return 100
		}
		st.set(pk)
	}
	libc := false
	for _, pk := range order {
		fmt.Fprintf(o.stdout, "Setting up %s (%s) ...\n", dpkgName(pk), pk.version)
		libc = libc || strings.HasPrefix(pk.name, "lib")
	}
	placeholders := 0
	for _, pk := range order {
		if pk.fromIndex && !o.dist.handListed(pk.name) {
			placeholders++
		}
	}
	if placeholders > 0 {
		fmt.Fprintf(p.Stderr, "layerlab: %d of these packages come from Debian's real index: their programs and real sizes are here, their other files are one placeholder each\n", placeholders)
	}
	if v, ok := st.versions["libc-bin"]; ok && libc {
		fmt.Fprintf(o.stdout, "Processing triggers for libc-bin (%s) ...\n", v)
	}
	spend(p, time.Duration(len(order))*150*time.Millisecond)
	if err := st.write(p); err != nil {
		fmt.Fprintf(p.Stderr, "dpkg: error: failed to write status database: %s\n", errText(err))
		return 100
	}
	aptLogs(p, "install", order, extra)
	return 0
}

// aptLogs appends to the logs apt and dpkg keep: they stay in the layer too.
func aptLogs(p *shell.Proc, action string, pkgs []*debPkg, auto []string) {
	t := now(p)
	var dl, states strings.Builder
	var names []string
	for _, pk := range pkgs {
		switch action {
		case "install":
			fmt.Fprintf(&dl, "%s %s %s:%s <none> %s\n", t.Format("2006-01-02 15:04:05"), action, pk.name, pk.arch, pk.version)
		default:
			fmt.Fprintf(&dl, "%s %s %s:%s %s <none>\n", t.Format("2006-01-02 15:04:05"), action, pk.name, pk.arch, pk.version)
		}
		names = append(names, fmt.Sprintf("%s:%s (%s)", pk.name, pk.arch, pk.version))
	}
	for _, a := range auto {
		fmt.Fprintf(&states, "Package: %s\nArchitecture: amd64\nAuto-Installed: 1\n\n", a)
	}
	_ = p.FS.MkdirAll("/var/log/apt", 0o755)
	appendLog(p, "/var/log/dpkg.log", dl.String())
	verb := map[string]string{"install": "Install", "remove": "Remove", "purge": "Purge"}[action]
	hist := fmt.Sprintf("\nStart-Date: %s\nCommandline: %s\n%s: %s\nEnd-Date: %s\n",
		t.Format("2006-01-02  15:04:05"), strings.Join(p.Args, " "), verb, strings.Join(names, ", "), t.Format("2006-01-02  15:04:05"))
	appendLog(p, "/var/log/apt/history.log", hist)
	if states.Len() > 0 {
		appendLog(p, "/var/lib/apt/extended_states", states.String())
	}
}

// appendLog adds text to a log the package manager keeps. The teaching
// copy of a log is mostly zeros that are not stored; appending after them
// would store them all, so the text goes after the stored part instead and
// the apparent size grows by its length.
func appendLog(p *shell.Proc, name, text string) {
	n, err := p.FS.Stat(name)
	if err != nil || n.Type != layer.TypeReg || n.Size == int64(len(n.Data)) {
		_ = p.FS.AppendFile(name, []byte(text), 0o644)
		return
	}
	data := append(slices.Clip(n.Data), text...)
	_ = p.FS.PutFile(name, data, n.Size+int64(len(text)), n.Mode, n.UID, n.GID)
}

func (c *Catalog) aptRemove(p *shell.Proc, o aptOpts, names []string) int {
	if !aptRoot(p, o) {
		return 100
	}
	aptReading(o)
	st := readStatus(p)
	var gone []*debPkg
	for _, name := range names {
		if _, installed := st.versions[name]; !installed {
			if o.dist == nil || o.dist.lookup(name) == nil || !haveLists(p) {
				fmt.Fprintf(p.Stderr, "E: Unable to locate package %s\n", name)
				return 100
			}
			fmt.Fprintf(o.stdout, "Package '%s' is not installed, so not removed\n", name)
			continue
		}
		pk := &debPkg{name: name, version: st.versions[name], arch: stanzaFields(st.stanzas[name])["Architecture"]}
		if o.dist != nil {
			if known := o.dist.lookup(name); known != nil {
				pk = known
			}
		}
		gone = append(gone, pk)
	}
	if o.autoRm {
		// what nothing manually installed needs any more goes too
		after := &dpkgStatus{versions: map[string]string{}}
		for n, v := range st.versions {
			after.versions[n] = v
		}
		for _, pk := range gone {
			delete(after.versions, pk.name)
		}
		for _, name := range autoRemovable(o.dist, after, autoSet(p), o.recImp) {
			pk := &debPkg{name: name, version: st.versions[name], arch: stanzaFields(st.stanzas[name])["Architecture"]}
			if o.dist != nil {
				if known := o.dist.lookup(name); known != nil {
					pk = known
				}
			}
			gone = append(gone, pk)
		}
	}
	if len(gone) > 0 {
		var list []string
		for _, pk := range gone {
			name := pk.name
			if o.purge {
				name += "*" // apt marks packages whose configuration goes too
			}
			list = append(list, name)
		}
		sort.Strings(list)
		fmt.Fprint(o.stdout, "The following packages will be REMOVED:\n"+wrap(list))
	}
	verb := "remove"
	if o.purge {
		verb = "purge"
	}
	fmt.Fprintf(o.stdout, "0 upgraded, 0 newly installed, %d to remove and 0 not upgraded.\n", len(gone))
	if len(gone) == 0 {
		return 0
	}
	var freed int64
	for _, pk := range gone {
		freed += pk.size
	}
	fmt.Fprintf(o.stdout, "After this operation, %s disk space will be freed.\n", aptSize(freed))
	fmt.Fprintf(o.stdout, "(Reading database ... %d files and directories currently installed.)\n", 70*len(st.versions))
	for _, pk := range gone {
		fmt.Fprintf(o.stdout, "Removing %s (%s) ...\n", dpkgName(pk), pk.version)
		listName := "/var/lib/dpkg/info/" + dpkgName(pk) + ".list"
		text, _ := readText(p, listName)
		paths := strings.Split(strings.TrimSpace(text), "\n")
		// files before the directories that hold them
		for i := len(paths) - 1; i >= 0; i-- {
			if n, err := p.FS.Lstat(paths[i]); err == nil && n.Entry.Type != layer.TypeDir {
				_ = p.FS.Remove(paths[i])
			}
		}
		if text != "" {
			_ = p.FS.Remove(listName)
		}
		st.drop(pk.name)
	}
	if err := st.write(p); err != nil {
		fmt.Fprintf(p.Stderr, "dpkg: error: failed to write status database: %s\n", errText(err))
		return 100
	}
	aptLogs(p, verb, gone, nil)
	if auto := autoSet(p); len(auto) > 0 {
		for _, pk := range gone {
			delete(auto, pk.name)
		}
		_ = writeAutoSet(p, auto)
	}
	return 0
}

func (c *Catalog) aptList(p *shell.Proc, o aptOpts, args []string) int {
	fmt.Fprintln(o.stdout, "Listing...")
	st := readStatus(p)
	names := append([]string(nil), st.order...)
	sort.Strings(names)
	for _, n := range names {
		v, ok := st.versions[n]
		if !ok {
			continue
		}
		arch := stanzaFields(st.stanzas[n])["Architecture"]
		fmt.Fprintf(o.stdout, "%s/now %s %s [installed,local]\n", n, v, arch)
	}
	return 0
}

// dpkg -l, -L and -s read the status database; other actions are not modelled.
func (c *Catalog) dpkg(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	if len(args) == 0 {
		fmt.Fprint(p.Stderr, "dpkg: error: need an action option\n\nType dpkg --help for help about installing and deinstalling packages [*];\nUse 'apt' or 'aptitude' for user-friendly package management;\nType dpkg -Dhelp for a list of dpkg debug flag values;\nType dpkg --force-help for a list of forcing options;\nType dpkg-deb --help for help about manipulating *.deb files;\n\nOptions marked [*] produce a lot of output - pipe it through 'less' or 'more' !\n")
		return 2
	}
	st := readStatus(p)
	switch args[0] {
	case "-l", "--list":
		return dpkgList(p, st, args[1:])
	case "-s", "--status":
		if len(args) < 2 {
			fmt.Fprintln(p.Stderr, "dpkg-query: error: --status needs at least one package name argument")
			return 2
		}
		code := 0
		for _, n := range args[1:] {
			stanza, ok := st.stanzas[n]
			if !ok {
				fmt.Fprintf(p.Stderr, "dpkg-query: package '%s' is not installed and no information is available\nUse dpkg --info (= dpkg-deb --info) to examine archive files.\n", n)
				code = 1
				continue
			}
			fmt.Fprintln(p.Stdout, stanza+"\n")
		}
		return code
	case "-L", "--listfiles":
		code := 0
		for _, n := range args[1:] {
			text, ok := readText(p, "/var/lib/dpkg/info/"+n+".list")
			if !ok {
				text, ok = readText(p, "/var/lib/dpkg/info/"+n+":amd64.list")
			}
			if !ok {
				fmt.Fprintf(p.Stderr, "dpkg-query: package '%s' is not installed\nUse dpkg --contents (= dpkg-deb --contents) to list archive files contents.\n", n)
				code = 1
				continue
			}
			fmt.Fprint(p.Stdout, text)
		}
		return code
	case "--print-architecture":
		fmt.Fprintln(p.Stdout, "amd64")
		return 0
	case "--version":
		fmt.Fprintln(p.Stdout, "Debian 'dpkg' package management program version 1.21.22 (amd64).")
		return 0
	case "-i", "--install", "-r", "--remove", "-P", "--purge", "--configure", "--get-selections":
		fmt.Fprintf(p.Stderr, "dpkg %s: not simulated in this teaching environment\n", args[0])
		return 0
	}
	fmt.Fprintf(p.Stderr, "dpkg: error: unknown option %s\n\nType dpkg --help for help about installing and deinstalling packages [*];\n", args[0])
	return 2
}

func dpkgList(p *shell.Proc, st *dpkgStatus, patterns []string) int {
	names := append([]string(nil), st.order...)
	sort.Strings(names)
	type row struct{ name, version, arch, desc string }
	var rows []row
	for _, n := range names {
		if len(patterns) > 0 && !matchAny(patterns, n) {
			continue
		}
		f := stanzaFields(st.stanzas[n])
		desc := f["Description"]
		rows = append(rows, row{n, f["Version"], f["Architecture"], desc})
	}
	if len(rows) == 0 {
		fmt.Fprintf(p.Stderr, "dpkg-query: no packages found matching %s\n", strings.Join(patterns, " "))
		return 1
	}
	wn, wv, wa := len("Name"), len("Version"), len("Architecture")
	for _, r := range rows {
		wn, wv, wa = max(wn, len(r.name)), max(wv, len(r.version)), max(wa, len(r.arch))
	}
	w := p.Stdout
	fmt.Fprintln(w, "Desired=Unknown/Install/Remove/Purge/Hold")
	fmt.Fprintln(w, "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend")
	fmt.Fprintln(w, "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)")
	fmt.Fprintf(w, "||/ %-*s %-*s %-*s %s\n", wn, "Name", wv, "Version", wa, "Architecture", "Description")
	fmt.Fprintf(w, "+++-%s-%s-%s-%s\n", strings.Repeat("=", wn), strings.Repeat("=", wv), strings.Repeat("=", wa), strings.Repeat("=", 40))
	for _, r := range rows {
		fmt.Fprintf(w, "ii  %-*s %-*s %-*s %s\n", wn, r.name, wv, r.version, wa, r.arch, r.desc)
	}
	return 0
}

func matchAny(patterns []string, name string) bool {
	for _, pat := range patterns {
		if ok, err := path.Match(pat, name); err == nil && ok {
			return true
		}
	}
	return false
}
