package pkg

// The embedded catalog (data/*.txt) is a list of blocks, one per package
// source; '#' lines and blank lines are ignored. Sizes are bytes with an
// optional decimal k, M or G suffix.
//
//	apt CODENAME                       Debian or Ubuntu release (bookworm, noble, …)
//	mirror URL SUITE                   where install's Get: lines say packages come from
//	list FETCH SIZE FILE LABEL...      an index apt-get update fetches (FETCH bytes)
//	                                   and keeps in /var/lib/apt/lists/FILE (SIZE bytes)
//	pkg NAME VERSION ARCH DOWNLOAD SIZE [DEP...] ; DESCRIPTION
//	end
//
//	apk BRANCH                         Alpine branch (3.20, …)
//	index REPO SIZE DESCRIBE           an APKINDEX and the version apk update prints
//	available N                        what apk update counts
//	pkg NAME VERSION DOWNLOAD SIZE [DEP...] ; DESCRIPTION
//	end
//
//	pypi
//	pkg NAME VERSION TAG WHEEL METADATA SIZE [REQUIREMENT...]
//	versions V...                      older versions one may pin
//	wheel PREFIX                       the wheel's file name prefix, when not the
//	                                   normalized name
//	import NAME...                     top-level import packages
//	script NAME MODULE:FUNCTION        a console script
//	end
//
//	npm
//	pkg NAME VERSION TARBALL SIZE [DEP@RANGE...]
//	bin NAME PATH                      a command linked into node_modules/.bin
//	fund                               the package asks for funding
//	end
//
//	gomod
//	mod PATH VERSION ZIP SIZE [DEP@VERSION...]
//	end
//
// Inside apt and apk packages, file lines say what the package installs:
// "x PATH SIZE" (executable), "f PATH SIZE" (file), "l PATH TARGET" (link),
// "d PATH" (directory). What the listed files leave of the package's size goes
// to the package's documentation (apt) or to its largest file (apk), so the
// total is right. TAG of a Python package is "py3" for pure-Python wheels or
// "cp" for wheels built per interpreter and libc.

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/shell"
)

//go:embed data/*.txt
var dataFS embed.FS

// Catalog is every package the simulated package managers know, parsed once
// from the embedded data. It is immutable and shared by all sessions.
type Catalog struct {
	apt   map[string]*aptDist
	apk   map[string]*apkDist
	pypi  map[string]*pyPkg // by normalized name
	npm   map[string]*npmPkg
	gomod map[string]*goMod
}

type file struct {
	path string // relative to the root (or to site-packages for pypi)
	kind byte   // 'x', 'f', 'l', 'd'
	size int64
	link string
}

type aptDist struct {
	codename string
	mirror   string // "http://deb.debian.org/debian"
	suite    string
	lists    []aptList
	pkgs     map[string]*debPkg // the hand-written packages with their files
	index    *debianOnce        // Debian's own index, for bookworm
	seen     sync.Map           // name -> *debPkg (nil: no such package), as lookup made it
}

type aptList struct {
	fetch, size int64
	file, label string
}

type debPkg struct {
	name, version, arch, desc string
	download, size            int64
	deps                      []string // "a/b": a or b
	recommends, provides      []string
	files                     []file
	fromIndex                 bool
}

type apkDist struct {
	branch    string
	indexes   []apkIndex
	available int
	pkgs      map[string]*apkPkg
}

type apkIndex struct {
	repo     string
	size     int64
	describe string
}

type apkPkg struct {
	name, version, desc string
	download, size      int64
	deps                []string
	files               []file
}

type pyPkg struct {
	name, version, tag string
	wheel, meta, size  int64
	requires           []string
	versions           []string
	wheelPrefix        string
	imports            []string
	scripts            [][2]string // name, module:function
}

type npmPkg struct {
	name, version string
	tarball, size int64
	deps          []string // name@range
	bins          [][2]string
	fund          bool
}

type goMod struct {
	path, version string
	zip, size     int64
	deps          []string // path@version
}

// Load parses the embedded catalog.
func Load() (*Catalog, error) {
	c := &Catalog{
		apt:   map[string]*aptDist{},
		apk:   map[string]*apkDist{},
		pypi:  map[string]*pyPkg{},
		npm:   map[string]*npmPkg{},
		gomod: map[string]*goMod{},
	}
	names, err := fs.Glob(dataFS, "data/*.txt")
	if err != nil {
		return nil, fmt.Errorf("listing package data: %w", err)
	}
	for _, name := range names {
		b, err := dataFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		if err := c.parse(name, string(b)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Programs returns the package managers, keyed by the names they are invoked
// by. The shell runs one only where the image has the command on PATH.
func (c *Catalog) Programs() shell.Programs {
	return shell.Programs{
		"apt-get": c.aptGet,
		"apt":     c.aptCmd,
		"dpkg":    c.dpkg,
		// downloads and the tools of official images' build scripts
		"wget":              wgetProg,
		"curl":              curlProg,
		"gpg":               gpgProg,
		"gpgv":              gpgProg,
		"gpgconf":           gpgconfProg,
		"make":              makeProg,
		"gmake":             makeProg,
		"apt-mark":          aptMarkProg,
		"dpkg-architecture": dpkgArchitectureProg,
		"dpkg-query":        c.dpkgQuery,
		"apk":               c.apkCmd,
		"pip":               c.pip,
		"pip3":              c.pip,
		"pip3.11":           c.pip,
		"pip3.12":           c.pip,
		"npm":               c.npmCmd,
		"go":                c.goCmd,
		// python, for -V, -m pip and -c print(...)
		"python":     c.python,
		"python3":    c.python,
		"python3.11": c.python,
		"python3.12": c.python,
	}
}

type lineErr struct {
	file string
	num  int
}

func (l lineErr) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", l.file, l.num, fmt.Sprintf(format, args...))
}

func (c *Catalog) parse(name, data string) error {
	var (
		block string
		apt   *aptDist
		apk   *apkDist
		files *[]file
		py    *pyPkg
		np    *npmPkg
	)
	for i, raw := range strings.Split(data, "\n") {
		at := lineErr{name, i + 1}
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, desc, _ := strings.Cut(line, " ; ")
		f := strings.Fields(head)
		if block == "" {
			switch f[0] {
			case "apt":
				if len(f) != 2 {
					return at.errorf("apt needs a codename")
				}
				apt = &aptDist{codename: f[1], pkgs: map[string]*debPkg{}}
				if f[1] == "bookworm" {
					apt.index = &debianOnce{}
				}
				c.apt[f[1]] = apt
			case "apk":
				if len(f) != 2 {
					return at.errorf("apk needs a branch")
				}
				apk = &apkDist{branch: f[1], pkgs: map[string]*apkPkg{}}
				c.apk[f[1]] = apk
			case "pypi", "npm", "gomod":
			default:
				return at.errorf("unknown block %q", f[0])
			}
			block = f[0]
			continue
		}
		if f[0] == "end" {
			block, files, py, np = "", nil, nil, nil
			continue
		}
		if len(f[0]) == 1 && strings.Contains("xfld", f[0]) {
			if files == nil {
				return at.errorf("file line outside a package")
			}
			fl, err := parseFile(f)
			if err != nil {
				return at.errorf("%v", err)
			}
			*files = append(*files, fl)
			continue
		}
		var err error
		switch block + " " + f[0] {
		case "apt mirror":
			if len(f) != 3 {
				return at.errorf("mirror needs a URL and a suite")
			}
			apt.mirror, apt.suite = f[1], f[2]
		case "apt list":
			if len(f) < 5 {
				return at.errorf("list needs fetch size, size, file and label")
			}
			var l aptList
			if l.fetch, err = sim.ParseSize(f[1]); err == nil {
				l.size, err = sim.ParseSize(f[2])
			}
			l.file, l.label = f[3], strings.Join(f[4:], " ")
			apt.lists = append(apt.lists, l)
		case "apt pkg":
			if len(f) < 6 {
				return at.errorf("pkg needs name, version, arch, download and size")
			}
			p := &debPkg{name: f[1], version: f[2], arch: f[3], deps: f[6:], desc: desc}
			if p.download, err = sim.ParseSize(f[4]); err == nil {
				p.size, err = sim.ParseSize(f[5])
			}
			apt.pkgs[p.name] = p
			files = &p.files
		case "apk index":
			if len(f) != 4 {
				return at.errorf("index needs repo, size and version")
			}
			ix := apkIndex{repo: f[1], describe: f[3]}
			ix.size, err = sim.ParseSize(f[2])
			apk.indexes = append(apk.indexes, ix)
		case "apk available":
			if len(f) != 2 {
				return at.errorf("available needs a count")
			}
			apk.available, err = strconv.Atoi(f[1])
		case "apk pkg":
			if len(f) < 5 {
				return at.errorf("pkg needs name, version, download and size")
			}
			p := &apkPkg{name: f[1], version: f[2], deps: f[5:], desc: desc}
			if p.download, err = sim.ParseSize(f[3]); err == nil {
				p.size, err = sim.ParseSize(f[4])
			}
			apk.pkgs[p.name] = p
			files = &p.files
		case "pypi pkg":
			if len(f) < 7 {
				return at.errorf("pkg needs name, version, tag, wheel, metadata and size")
			}
			py = &pyPkg{name: f[1], version: f[2], tag: f[3], requires: f[7:]}
			if py.wheel, err = sim.ParseSize(f[4]); err == nil {
				if py.meta, err = sim.ParseSize(f[5]); err == nil {
					py.size, err = sim.ParseSize(f[6])
				}
			}
			c.pypi[normalize(py.name)] = py
		case "pypi versions":
			if py == nil {
				return at.errorf("versions outside a package")
			}
			py.versions = f[1:]
		case "pypi wheel":
			if py == nil || len(f) != 2 {
				return at.errorf("wheel needs a package and a prefix")
			}
			py.wheelPrefix = f[1]
		case "pypi import":
			if py == nil {
				return at.errorf("import outside a package")
			}
			py.imports = f[1:]
		case "pypi script":
			if py == nil || len(f) != 3 {
				return at.errorf("script needs a package, a name and an entry point")
			}
			py.scripts = append(py.scripts, [2]string{f[1], f[2]})
		case "npm pkg":
			if len(f) < 5 {
				return at.errorf("pkg needs name, version, tarball and size")
			}
			np = &npmPkg{name: f[1], version: f[2], deps: f[5:]}
			if np.tarball, err = sim.ParseSize(f[3]); err == nil {
				np.size, err = sim.ParseSize(f[4])
			}
			c.npm[np.name] = np
		case "npm bin":
			if np == nil || len(f) != 3 {
				return at.errorf("bin needs a package, a name and a path")
			}
			np.bins = append(np.bins, [2]string{f[1], f[2]})
		case "npm fund":
			if np == nil {
				return at.errorf("fund outside a package")
			}
			np.fund = true
		case "gomod mod":
			if len(f) < 5 {
				return at.errorf("mod needs path, version, zip and size")
			}
			m := &goMod{path: f[1], version: f[2], deps: f[5:]}
			if m.zip, err = sim.ParseSize(f[3]); err == nil {
				m.size, err = sim.ParseSize(f[4])
			}
			c.gomod[m.path] = m
		default:
			return at.errorf("unexpected %q in %s block", f[0], block)
		}
		if err != nil {
			return at.errorf("%v", err)
		}
	}
	if block != "" {
		return fmt.Errorf("%s: %s block has no end", name, block)
	}
	return c.check()
}

// check makes sure every dependency names a package of the same source.
func (c *Catalog) check() error {
	for _, d := range c.apt {
		for _, p := range d.pkgs {
			for _, dep := range p.deps {
				if d.pkgs[dep] == nil {
					return fmt.Errorf("apt %s: %s depends on unknown %s", d.codename, p.name, dep)
				}
			}
		}
	}
	for _, d := range c.apk {
		for _, p := range d.pkgs {
			for _, dep := range p.deps {
				if d.pkgs[dep] == nil {
					return fmt.Errorf("apk %s: %s depends on unknown %s", d.branch, p.name, dep)
				}
			}
		}
	}
	for _, p := range c.pypi {
		for _, r := range p.requires {
			if c.pypi[normalize(reqName(r))] == nil {
				return fmt.Errorf("pypi: %s requires unknown %s", p.name, r)
			}
		}
	}
	for _, p := range c.npm {
		for _, d := range p.deps {
			name, _ := splitAt(d)
			if c.npm[name] == nil {
				return fmt.Errorf("npm: %s depends on unknown %s", p.name, d)
			}
		}
	}
	for _, m := range c.gomod {
		for _, d := range m.deps {
			p, _ := splitAt(d)
			if c.gomod[p] == nil {
				return fmt.Errorf("gomod: %s depends on unknown %s", m.path, d)
			}
		}
	}
	return nil
}

func parseFile(f []string) (file, error) {
	fl := file{kind: f[0][0]}
	switch {
	case fl.kind == 'd' && len(f) == 2:
	case fl.kind == 'l' && len(f) == 3:
		fl.link = f[2]
	case (fl.kind == 'x' || fl.kind == 'f') && len(f) == 3:
		n, err := sim.ParseSize(f[2])
		if err != nil {
			return fl, err
		}
		fl.size = n
	default:
		return fl, fmt.Errorf("bad file line %q", strings.Join(f, " "))
	}
	fl.path = f[1]
	if strings.HasPrefix(fl.path, "/") || strings.Contains(fl.path, "..") {
		return fl, fmt.Errorf("path %q must be relative", fl.path)
	}
	return fl, nil
}

// normalize is PEP 503's name normalization: case-insensitive, runs of "-",
// "_" and "." are one "-".
func normalize(name string) string {
	name = strings.ToLower(name)
	var b strings.Builder
	dash := false
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

// splitAt splits "name@range", keeping a leading "@" of scoped npm names.
func splitAt(s string) (name, ver string) {
	i := strings.LastIndex(s, "@")
	if i <= 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
