package pkg

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
)

// goCmd is the go command: version, env, mod init/download/tidy and build.
func (c *Catalog) goCmd(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	if len(args) == 0 {
		fmt.Fprint(p.Stderr, "Go is a tool for managing Go source code.\n\nUsage:\n\n\tgo <command> [arguments]\n\nUse \"go help <command>\" for more information about a command.\n")
		return 2
	}
	switch args[0] {
	case "version":
		fmt.Fprintf(p.Stdout, "go version go%s linux/amd64\n", goVersion(p))
		return 0
	case "env":
		vars := goEnv(p)
		if len(args) == 1 {
			for _, k := range sortedKeys(vars) {
				fmt.Fprintf(p.Stdout, "%s='%s'\n", k, vars[k])
			}
			return 0
		}
		for _, k := range args[1:] {
			fmt.Fprintln(p.Stdout, vars[k])
		}
		return 0
	case "mod":
		if len(args) < 2 {
			fmt.Fprint(p.Stderr, "Go mod provides access to operations on modules.\n\nUsage:\n\n\tgo mod <command> [arguments]\n")
			return 2
		}
		switch args[1] {
		case "init":
			return goModInit(p, args[2:])
		case "download", "tidy":
			return c.goModFetch(p, args[1])
		case "vendor", "verify", "graph", "why", "edit":
			fmt.Fprintf(p.Stderr, "go mod %s: not simulated in this teaching environment\n", args[1])
			return 0
		}
		fmt.Fprintf(p.Stderr, "go mod %s: unknown command\nRun 'go help mod' for usage.\n", args[1])
		return 2
	case "build", "install":
		return c.goBuild(p, args[0], args[1:])
	case "run", "test", "get", "vet", "fmt", "generate", "clean", "list", "work", "tool", "doc", "fix", "bug", "telemetry", "help":
		fmt.Fprintf(p.Stderr, "go %s: not simulated in this teaching environment\n", args[0])
		return 0
	}
	fmt.Fprintf(p.Stderr, "go %s: unknown command\nRun 'go help' for usage.\n", args[0])
	return 2
}

func goVersion(p *shell.Proc) string {
	if v := env(p, "GOLANG_VERSION", ""); v != "" {
		return v
	}
	text, _ := readText(p, "/usr/local/go/VERSION")
	first, _, _ := strings.Cut(text, "\n")
	return strings.TrimPrefix(first, "go")
}

func goEnv(p *shell.Proc) map[string]string {
	home := env(p, "HOME", "/root")
	gopath := env(p, "GOPATH", home+"/go")
	return map[string]string{
		"GOPATH":      gopath,
		"GOROOT":      "/usr/local/go",
		"GOCACHE":     env(p, "GOCACHE", home+"/.cache/go-build"),
		"GOMODCACHE":  env(p, "GOMODCACHE", gopath+"/pkg/mod"),
		"GOOS":        env(p, "GOOS", "linux"),
		"GOARCH":      env(p, "GOARCH", "amd64"),
		"GOVERSION":   "go" + goVersion(p),
		"GOTOOLCHAIN": env(p, "GOTOOLCHAIN", "auto"),
		"CGO_ENABLED": env(p, "CGO_ENABLED", "1"),
		"GOPROXY":     env(p, "GOPROXY", "https://proxy.golang.org,direct"),
	}
}

// findGoMod looks for go.mod in the working directory and its parents.
func findGoMod(p *shell.Proc) (string, string, bool) {
	dir := abs(p, ".")
	for {
		if text, ok := readText(p, path.Join(dir, "go.mod")); ok {
			return dir, text, true
		}
		if dir == "/" {
			return "", "", false
		}
		dir = path.Dir(dir)
	}
}

type goModFile struct {
	module   string
	requires []string // path@version
}

func parseGoMod(text string) goModFile {
	var m goModFile
	inBlock := false
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "module" && len(f) > 1:
			m.module = strings.Trim(f[1], `"`)
		case f[0] == "require" && len(f) > 1 && f[1] == "(":
			inBlock = true
		case inBlock && f[0] == ")":
			inBlock = false
		case inBlock && len(f) >= 2:
			m.requires = append(m.requires, f[0]+"@"+f[1])
		case f[0] == "require" && len(f) >= 3:
			m.requires = append(m.requires, f[1]+"@"+f[2])
		}
	}
	return m
}

func goModInit(p *shell.Proc, args []string) int {
	dir := abs(p, ".")
	if exists(p, path.Join(dir, "go.mod")) {
		fmt.Fprintf(p.Stderr, "go: %s/go.mod already exists\n", strings.TrimSuffix(dir, "/"))
		return 1
	}
	if len(args) == 0 {
		fmt.Fprint(p.Stderr, "go: cannot determine module path for source directory "+dir+" (outside GOPATH, module path must be specified)\n\nExample usage:\n\t'go mod init example.com/m' to initialize a v0 or v1 module\n\t'go mod init example.com/m/v2' to initialize a v2 module\n\nRun 'go help mod init' for more information.\n")
		return 1
	}
	fmt.Fprintf(p.Stderr, "go: creating new go.mod: module %s\n", args[0])
	content := fmt.Sprintf("module %s\n\ngo %s\n", args[0], goVersion(p))
	if err := p.FS.WriteFile(path.Join(dir, "go.mod"), []byte(content), 0o644); err != nil {
		fmt.Fprintf(p.Stderr, "go: %s\n", errText(err))
		return 1
	}
	return 0
}

// escapeModPath is the module cache's case encoding: "Foo" becomes "!foo".
func escapeModPath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fetchModules puts the modules a go.mod requires, and theirs, in the module
// cache, saying "go: downloading" for each it did not have.
func (c *Catalog) fetchModules(p *shell.Proc, requires []string, announce bool) ([]*goMod, bool) {
	cache := goEnv(p)["GOMODCACHE"]
	var all []*goMod
	seen := map[string]bool{}
	queue := append([]string(nil), requires...)
	in := &installer{p: p, uid: p.UID, gid: p.GID}
	var fetched int64
	for len(queue) > 0 {
		req := queue[0]
		queue = queue[1:]
		mp, ver := splitAt(req)
		if seen[mp] {
			continue
		}
		seen[mp] = true
		m := c.gomod[mp]
		if m != nil && ver != "" && ver != m.version {
			// any version of a known module: the catalog keeps one size per module
			cp := *m
			cp.version = ver
			m = &cp
		}
		if m == nil {
			fmt.Fprintf(p.Stderr, "go: %s@%s: reading https://proxy.golang.org/%s/@v/%s.mod: 404 Not Found\n\tserver response: not found: %s@%s: invalid version: unknown revision %s\n", mp, ver, escapeModPath(mp), ver, mp, ver, ver)
			return nil, false
		}
		all = append(all, m)
		dl := path.Join(cache, "cache/download", escapeModPath(m.path), "@v")
		dir := path.Join(cache, escapeModPath(m.path)+"@"+m.version)
		if !exists(p, path.Join(dl, m.version+".zip")) {
			if announce {
				fmt.Fprintf(p.Stderr, "go: downloading %s %s\n", m.path, m.version)
			}
			fetched += m.zip
			in.file(path.Join(dl, m.version+".info"), []byte(fmt.Sprintf("{\"Version\":%q,\"Time\":\"2024-05-07T03:38:01Z\"}", m.version)), 52, 0o644)
			in.file(path.Join(dl, m.version+".mod"), []byte("module "+m.path+"\n"), 1200, 0o644)
			in.file(path.Join(dl, m.version+".zip"), nil, m.zip, 0o644)
			in.file(path.Join(dl, m.version+".ziphash"), nil, 47, 0o644)
			// the extracted tree is read-only, as the go command leaves it
			in.file(path.Join(dir, "go.mod"), []byte("module "+m.path+"\n"), 1200, 0o444)
			in.file(path.Join(dir, "doc.go"), []byte("// "+m.path+" "+m.version+" (teaching copy: real size, no code)\n"), max(m.size-1200, 0), 0o444)
		}
		queue = append(queue, m.deps...)
	}
	if in.err != nil {
		fmt.Fprintf(p.Stderr, "go: %s\n", errText(in.err))
		return nil, false
	}
	spend(p, time.Duration(float64(fetched)/20e6*float64(time.Second)))
	return all, true
}

func (c *Catalog) goModFetch(p *shell.Proc, verb string) int {
	dir, text, ok := findGoMod(p)
	if !ok {
		if verb == "download" {
			fmt.Fprintln(p.Stderr, "go: no modules specified (see 'go help mod download')")
		} else {
			fmt.Fprintln(p.Stderr, "go: go.mod file not found in current directory or any parent directory; see 'go help modules'")
		}
		return 1
	}
	m := parseGoMod(text)
	mods, ok := c.fetchModules(p, m.requires, verb == "tidy")
	if !ok {
		return 1
	}
	if verb == "tidy" && len(mods) > 0 {
		var sum strings.Builder
		sort.Slice(mods, func(i, j int) bool { return mods[i].path < mods[j].path })
		for _, md := range mods {
			fmt.Fprintf(&sum, "%s %s h1:%s=\n%s %s/go.mod h1:%s=\n", md.path, md.version, goSumHash(md.path+md.version), md.path, md.version, goSumHash(md.path+md.version+"/go.mod"))
		}
		if err := p.FS.WriteFile(path.Join(dir, "go.sum"), []byte(sum.String()), 0o644); err != nil {
			fmt.Fprintf(p.Stderr, "go: %s\n", errText(err))
			return 1
		}
	}
	return 0
}

// goSumHash stands in for a module's h1: hash; the catalog's modules are
// teaching copies, so their hash is derived from their name.
func goSumHash(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	h := uint64(14695981039346656037)
	for i := 0; i < 43; i++ {
		for _, r := range s {
			h = (h ^ uint64(r)) * 1099511628211
		}
		h ^= uint64(i)
		b.WriteByte(alphabet[h%64])
	}
	return b.String()
}

func (c *Catalog) goBuild(p *shell.Proc, verb string, args []string) int {
	out := ""
	stripped := false
	var pkgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o":
			if i+1 >= len(args) {
				fmt.Fprintln(p.Stderr, "flag needs an argument: -o")
				return 2
			}
			i++
			out = args[i]
		case strings.HasPrefix(a, "-o="):
			out = a[3:]
		case a == "-ldflags" || a == "-tags" || a == "-gcflags" || a == "-mod" || a == "-p" || a == "-buildmode":
			if i+1 < len(args) && strings.Contains(args[i+1], "-s") && a == "-ldflags" {
				stripped = true
			}
			i++
		case strings.HasPrefix(a, "-ldflags="):
			stripped = strings.Contains(a, "-s")
		case strings.HasPrefix(a, "-"):
		default:
			pkgs = append(pkgs, a)
		}
	}
	modDir, text, ok := findGoMod(p)
	if !ok {
		fmt.Fprintln(p.Stderr, "go: go.mod file not found in current directory or any parent directory; see 'go help modules'")
		return 1
	}
	m := parseGoMod(text)
	srcDir := abs(p, ".")
	if len(pkgs) > 0 && pkgs[0] != "." && pkgs[0] != "./..." {
		srcDir = abs(p, pkgs[0])
	}
	entries, _ := p.FS.ReadDir(srcDir)
	var sources []string
	for _, e := range entries {
		if b := path.Base(e.Path); strings.HasSuffix(b, ".go") && !strings.HasSuffix(b, "_test.go") {
			sources = append(sources, path.Join(srcDir, b))
		}
	}
	if len(sources) == 0 {
		fmt.Fprintf(p.Stderr, "no Go files in %s\n", srcDir)
		return 1
	}
	mods, ok := c.fetchModules(p, m.requires, true)
	if !ok {
		return 1
	}
	// a program's size: the runtime, then what it imports
	size := int64(1_560_000)
	var main bool
	for _, s := range sources {
		src, _ := readText(p, s)
		main = main || strings.Contains(src, "package main")
		for imp, extra := range map[string]int64{`"fmt"`: 650_000, `"net/http"`: 5_600_000, `"encoding/json"`: 420_000, `"database/sql"`: 380_000, `"os/exec"`: 160_000} {
			if strings.Contains(src, imp) {
				size += extra
			}
		}
	}
	for _, md := range mods {
		size += md.size / 6
	}
	if stripped {
		size = size * 7 / 10
	}
	cache := goEnv(p)["GOCACHE"]
	in := &installer{p: p, uid: p.UID, gid: p.GID}
	in.text(path.Join(cache, "README"), "This directory holds cached build artifacts from the Go build system.\nRun \"go clean -cache\" if the directory is getting too large.\nRun \"go clean -fuzzcache\" to delete the fuzz cache.\nSee golang.org to learn more about Go.\n", 0o644)
	in.text(path.Join(cache, "trim.txt"), fmt.Sprintf("%d", now(p).Unix()), 0o644)
	for i, md := range append([]*goMod{{path: m.module, size: size}}, mods...) {
		h := goSumHash(md.path + md.version)
		in.file(path.Join(cache, fmt.Sprintf("%02x", i*37%256), strings.ToLower(h[:40])+"-d"), nil, md.size/3+4096, 0o644)
	}
	spend(p, time.Duration(2+len(mods))*time.Second)
	if !main {
		// a library builds, but writes nothing
		return 0
	}
	if verb == "install" {
		out = path.Join(goEnv(p)["GOPATH"], "bin", path.Base(m.module))
	}
	name := path.Base(m.module)
	if srcDir != modDir && len(pkgs) > 0 {
		name = path.Base(srcDir)
	}
	target := abs(p, name)
	if out != "" {
		target = abs(p, out)
		if st, err := p.FS.Stat(target); err == nil && st.Entry.Type == layer.TypeDir || strings.HasSuffix(out, "/") {
			target = path.Join(target, name)
		}
	}
	in.file(target, binaryStub(target), size, 0o755)
	if in.err != nil {
		fmt.Fprintf(p.Stderr, "go: %s\n", errText(in.err))
		return 1
	}
	return 0
}
