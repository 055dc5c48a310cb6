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

const (
	apkInstalled = "/lib/apk/db/installed"
	apkWorld     = "/etc/apk/world"
	apkCache     = "/var/cache/apk"
	apkMirror    = "https://dl-cdn.alpinelinux.org/alpine"
	apkVersion   = "2.14.4"
)

type apkOpts struct {
	noCache bool
	update  bool
	quiet   bool
	virtual string
	args    []string
}

// apkCmd is apk-tools: add, del, update, info and --version.
func (c *Catalog) apkCmd(ctx context.Context, p *shell.Proc) int {
	var o apkOpts
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--no-cache":
			o.noCache = true
		case a == "-U" || a == "--update-cache":
			o.update = true
		case a == "-q" || a == "--quiet":
			o.quiet = true
		case a == "-t" || a == "--virtual":
			if i+1 >= len(args) {
				fmt.Fprintf(p.Stderr, "apk: option requires an argument -- '%s'\n", strings.TrimLeft(a, "-"))
				return 1
			}
			i++
			o.virtual = args[i]
		case strings.HasPrefix(a, "--virtual="):
			o.virtual = strings.TrimPrefix(a, "--virtual=")
		case a == "--print-arch":
			fmt.Fprintln(p.Stdout, "x86_64")
			return 0
		case a == "-V" || a == "--version":
			fmt.Fprintf(p.Stdout, "apk-tools %s, compiled for x86_64.\n", apkVersion)
			return 0
		case a == "-h" || a == "--help":
			fmt.Fprint(p.Stdout, apkUsage)
			return 0
		case a == "--no-progress" || a == "--progress" || a == "-v" || a == "--verbose" || a == "--no-network" || a == "--purge" || a == "--force-broken-world" || a == "--upgrade" || a == "-u" || a == "--latest" || a == "-l" || a == "--clean-protected":
		case a == "-X" || a == "--repository" || a == "--arch" || a == "-p" || a == "--root":
			i++
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(p.Stderr, "apk: unrecognized option: %s\n", strings.TrimLeft(a, "-"))
			return 1
		default:
			o.args = append(o.args, a)
		}
	}
	if len(o.args) == 0 {
		fmt.Fprint(p.Stdout, apkUsage)
		return 1
	}
	branch := osRelease(p)["VERSION_ID"]
	if i := strings.Index(branch, "."); i >= 0 {
		if j := strings.Index(branch[i+1:], "."); j >= 0 {
			branch = branch[:i+1+j]
		}
	}
	d := c.apk[branch]
	cmd := o.args[0]
	switch cmd {
	case "add", "del", "update", "upgrade", "fix", "cache":
		if p.UID != 0 {
			fmt.Fprintln(p.Stderr, "ERROR: Unable to lock database: Permission denied")
			fmt.Fprintln(p.Stderr, "ERROR: Failed to open apk database: Permission denied")
			return 99
		}
	}
	if d == nil && cmd != "info" {
		fmt.Fprintf(p.Stderr, "WARNING: fetching %s/v%s/main: No such file or directory\n", apkMirror, branch)
		fmt.Fprintln(p.Stderr, "ERROR: unable to select packages")
		return 1
	}
	switch cmd {
	case "add":
		return c.apkAdd(p, d, o)
	case "del":
		return c.apkDel(p, d, o)
	case "update":
		apkFetch(p, d, o, true)
		for _, ix := range d.indexes {
			fmt.Fprintf(p.Stdout, "%s [%s/v%s/%s]\n", ix.describe, apkMirror, d.branch, ix.repo)
		}
		fmt.Fprintf(p.Stdout, "OK: %d distinct packages available\n", d.available)
		return 0
	case "upgrade":
		apkFetch(p, d, o, false)
		inst := readAPKInstalled(p)
		fmt.Fprintf(p.Stdout, "OK: %s in %d packages\n", apkMiB(inst.total()), len(inst.order))
		return 0
	case "info":
		inst := readAPKInstalled(p)
		for _, n := range inst.order {
			fmt.Fprintln(p.Stdout, n)
		}
		return 0
	case "cache", "fix", "search", "version", "policy", "stats", "audit", "dot", "fetch", "manifest", "index", "verify":
		fmt.Fprintf(p.Stderr, "apk %s: not simulated in this teaching environment\n", cmd)
		return 0
	}
	fmt.Fprintf(p.Stderr, "apk: unknown command '%s'\n", cmd)
	return 1
}

const apkUsage = "apk-tools " + apkVersion + ", compiled for x86_64.\n\nusage: apk [<OPTIONS>...] COMMAND [<ARGUMENTS>...]\n\nPackage installation and removal:\n  add        Add packages to WORLD and commit changes\n  del        Remove packages from WORLD and commit changes\n\nSystem maintenance:\n  update     Update repository indexes\n  upgrade    Install upgrades available from repositories\n\nQuerying package information:\n  info       Give detailed information about packages or repositories\n\nThis apk has coffee making abilities.\n"

// apkFetch prints the index downloads apk makes when it has no fresh copy,
// and keeps the indexes in /var/cache/apk unless --no-cache.
func apkFetch(p *shell.Proc, d *apkDist, o apkOpts, force bool) {
	var total int64
	for _, ix := range d.indexes {
		url := fmt.Sprintf("%s/v%s/%s/x86_64/APKINDEX.tar.gz", apkMirror, d.branch, ix.repo)
		sum := sha256.Sum256([]byte(url))
		cached := path.Join(apkCache, fmt.Sprintf("APKINDEX.%x.tar.gz", sum[:4]))
		if !force && !o.noCache && exists(p, cached) {
			continue
		}
		if !o.quiet {
			fmt.Fprintf(p.Stdout, "fetch %s\n", url)
		}
		total += ix.size
		if !o.noCache {
			_ = p.FS.MkdirAll(apkCache, 0o755)
			_ = p.FS.PutFile(cached, nil, ix.size, 0o644, 0, 0)
		}
	}
	spend(p, time.Duration(float64(total)/20e6*float64(time.Second)))
}

// apkDB is /lib/apk/db/installed: the records by package name.
type apkDB struct {
	order   []string
	records map[string]string
	sizes   map[string]int64
	version map[string]string
}

func readAPKInstalled(p *shell.Proc) *apkDB {
	db := &apkDB{records: map[string]string{}, sizes: map[string]int64{}, version: map[string]string{}}
	text, _ := readText(p, apkInstalled)
	for _, rec := range strings.Split(text, "\n\n") {
		rec = strings.Trim(rec, "\n")
		name := ""
		var size int64
		ver := ""
		for _, line := range strings.Split(rec, "\n") {
			switch {
			case strings.HasPrefix(line, "P:"):
				name = line[2:]
			case strings.HasPrefix(line, "V:"):
				ver = line[2:]
			case strings.HasPrefix(line, "I:"):
				fmt.Sscan(line[2:], &size)
			}
		}
		if name == "" {
			continue
		}
		if _, dup := db.records[name]; !dup {
			db.order = append(db.order, name)
		}
		db.records[name], db.sizes[name], db.version[name] = rec, size, ver
	}
	return db
}

func (db *apkDB) total() int64 {
	var n int64
	for _, s := range db.sizes {
		n += s
	}
	return n
}

func (db *apkDB) add(name, version string, size int64, desc string) {
	if _, ok := db.records[name]; !ok {
		db.order = append(db.order, name)
	}
	db.records[name] = fmt.Sprintf("P:%s\nV:%s\nA:x86_64\nI:%d\nT:%s", name, version, size, desc)
	db.sizes[name], db.version[name] = size, version
}

func (db *apkDB) write(p *shell.Proc) error {
	var b strings.Builder
	for _, n := range db.order {
		if rec, ok := db.records[n]; ok {
			b.WriteString(rec + "\n\n")
		}
	}
	return p.FS.WriteFile(apkInstalled, []byte(b.String()), 0o644)
}

// apkMiB is how apk reports the installed total: whole MiB, rounded up.
func apkMiB(n int64) string {
	return fmt.Sprintf("%d MiB", (n+(1<<20)-1)>>20)
}

func readWorld(p *shell.Proc) []string {
	text, _ := readText(p, apkWorld)
	return strings.Fields(text)
}

func writeWorld(p *shell.Proc, world []string) error {
	sort.Strings(world)
	world = dedup(world)
	return p.FS.WriteFile(apkWorld, []byte(strings.Join(world, "\n")+"\n"), 0o644)
}

func dedup(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func (c *Catalog) apkAdd(p *shell.Proc, d *apkDist, o apkOpts) int {
	names := o.args[1:]
	if len(names) == 0 && o.virtual == "" {
		fmt.Fprintln(p.Stderr, "ERROR: 'add' needs at least one package (or --virtual)")
		return 1
	}
	apkFetch(p, d, o, o.update)
	var missing []string
	for _, n := range names {
		n, _, _ = strings.Cut(n, "=")
		if d.pkgs[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintln(p.Stderr, "ERROR: unable to select packages:")
		for _, n := range missing {
			fmt.Fprintf(p.Stderr, "  %s (no such package):\n    required by: world[%s]\n", n, n)
		}
		fmt.Fprintf(p.Stderr, "layerlab: this teaching copy knows the %d Alpine %s packages official images use, not all of Alpine's; the real one may have %s\n", len(d.pkgs), d.branch, strings.Join(missing, ", "))
		return 1
	}
	db := readAPKInstalled(p)
	var order []*apkPkg
	seen := map[string]bool{}
	var visit func(pk *apkPkg)
	visit = func(pk *apkPkg) {
		if seen[pk.name] {
			return
		}
		seen[pk.name] = true
		for _, dep := range pk.deps {
			visit(d.pkgs[dep])
		}
		if _, ok := db.records[pk.name]; !ok {
			order = append(order, pk)
		}
	}
	for _, n := range names {
		n, _, _ = strings.Cut(n, "=")
		visit(d.pkgs[n])
	}
	steps := len(order)
	if o.virtual != "" {
		steps++
	}
	in := &installer{p: p}
	var download int64
	for i, pk := range order {
		if !o.quiet {
			fmt.Fprintf(p.Stdout, "(%d/%d) Installing %s (%s)\n", i+1, steps, pk.name, pk.version)
		}
		download += pk.download
		// the package's first file carries what the listed sizes leave
		files := append([]file(nil), pk.files...)
		rest := pk.size - filesSize(files)
		extraTo := ""
		for j := range files {
			if rest > 0 && (files[j].kind == 'f' || files[j].kind == 'x') {
				files[j].size += rest
				rest = 0
			}
		}
		if rest > 0 {
			extraTo = "/usr/share/doc/" + pk.name + "/README"
		}
		in.files("/", files, extraTo, rest)
		db.add(pk.name, pk.version, pk.size, pk.desc)
	}
	if in.err != nil {
		fmt.Fprintf(p.Stderr, "ERROR: %s\n", errText(in.err))
		return 1
	}
	world := readWorld(p)
	if o.virtual != "" {
		stamp := now(p).Format("20060102.150405")
		if !o.quiet {
			fmt.Fprintf(p.Stdout, "(%d/%d) Installing %s (%s)\n", steps, steps, o.virtual, stamp)
		}
		db.add(o.virtual, stamp, 0, "virtual meta package")
		world = append(world, o.virtual)
	} else {
		world = append(world, names...)
	}
	spend(p, time.Duration(float64(download)/20e6*float64(time.Second))+time.Duration(len(order))*50*time.Millisecond)
	if len(order) > 0 && !o.quiet {
		fmt.Fprintf(p.Stdout, "Executing busybox-%s.trigger\n", db.version["busybox"])
		if seen["ca-certificates"] {
			fmt.Fprintf(p.Stdout, "Executing ca-certificates-%s.trigger\n", d.pkgs["ca-certificates"].version)
		}
	}
	if err := db.write(p); err != nil {
		fmt.Fprintf(p.Stderr, "ERROR: %s\n", errText(err))
		return 1
	}
	if err := writeWorld(p, world); err != nil {
		fmt.Fprintf(p.Stderr, "ERROR: %s\n", errText(err))
		return 1
	}
	if !o.quiet {
		fmt.Fprintf(p.Stdout, "OK: %s in %d packages\n", apkMiB(db.total()), len(db.order))
	}
	return 0
}

func (c *Catalog) apkDel(p *shell.Proc, d *apkDist, o apkOpts) int {
	names := o.args[1:]
	db := readAPKInstalled(p)
	world := readWorld(p)
	var keep []string
	for _, w := range world {
		drop := false
		for _, n := range names {
			if w == n {
				drop = true
			}
		}
		if !drop {
			keep = append(keep, w)
		}
	}
	// what the remaining world still needs
	needed := map[string]bool{}
	var need func(name string)
	need = func(name string) {
		if needed[name] {
			return
		}
		needed[name] = true
		if pk := d.pkgs[name]; pk != nil {
			for _, dep := range pk.deps {
				need(dep)
			}
		}
	}
	for _, w := range keep {
		need(w)
	}
	var purge []string
	for _, n := range db.order {
		if !needed[n] && (d.pkgs[n] != nil || containsStr(names, n)) && !baseAPK(n) {
			purge = append(purge, n)
		}
	}
	for i, n := range purge {
		if !o.quiet {
			fmt.Fprintf(p.Stdout, "(%d/%d) Purging %s (%s)\n", i+1, len(purge), n, db.version[n])
		}
		if pk := d.pkgs[n]; pk != nil {
			for j := len(pk.files) - 1; j >= 0; j-- {
				f := pk.files[j]
				if f.kind != 'd' {
					_ = p.FS.Remove("/" + f.path)
				}
			}
		}
		delete(db.records, n)
		delete(db.sizes, n)
	}
	if err := db.write(p); err != nil {
		fmt.Fprintf(p.Stderr, "ERROR: %s\n", errText(err))
		return 1
	}
	if err := writeWorld(p, keep); err != nil {
		fmt.Fprintf(p.Stderr, "ERROR: %s\n", errText(err))
		return 1
	}
	count := 0
	for _, n := range db.order {
		if _, ok := db.records[n]; ok {
			count++
		}
	}
	if !o.quiet {
		fmt.Fprintf(p.Stdout, "OK: %s in %d packages\n", apkMiB(db.total()), count)
	}
	return 0
}

// baseAPK reports the packages of the alpine image itself, which apk del of
// a virtual package never takes away.
func baseAPK(name string) bool {
	switch name {
	case "alpine-baselayout", "alpine-baselayout-data", "alpine-keys", "apk-tools",
		"busybox", "busybox-binsh", "ca-certificates-bundle", "libc-utils",
		"libcrypto3", "libssl3", "musl", "musl-utils", "scanelf", "ssl_client", "zlib":
		return true
	}
	return false
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
