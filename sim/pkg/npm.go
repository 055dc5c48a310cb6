package pkg

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/shell"
)

const npmVersion = "10.8.2"

type npmOpts struct {
	omitDev bool
	global  bool
	args    []string
}

// npmCmd is npm: install (i, add), ci, run (start, test), and --version.
func (c *Catalog) npmCmd(ctx context.Context, p *shell.Proc) int {
	var o npmOpts
	o.omitDev = env(p, "NODE_ENV", "") == "production"
	for _, a := range p.Args[1:] {
		switch {
		case a == "-v" || a == "--version":
			fmt.Fprintln(p.Stdout, npmVersion)
			return 0
		case a == "--production" || a == "--omit=dev" || a == "--only=production" || a == "--only=prod":
			o.omitDev = true
		case a == "-g" || a == "--global":
			o.global = true
		case strings.HasPrefix(a, "-"):
			// --no-audit, --no-fund, --loglevel=…, --save and friends change nothing modelled here
		default:
			o.args = append(o.args, a)
		}
	}
	if len(o.args) == 0 {
		fmt.Fprint(p.Stdout, npmUsage)
		return 1
	}
	cmd, rest := o.args[0], o.args[1:]
	switch cmd {
	case "install", "i", "add", "isntall", "in":
		return c.npmInstall(p, o, rest, false)
	case "ci", "clean-install", "install-clean":
		return c.npmInstall(p, o, nil, true)
	case "run", "run-script":
		if len(rest) == 0 {
			return npmListScripts(p)
		}
		return npmRun(ctx, p, rest[0], rest[1:])
	case "start", "test", "t", "stop", "restart":
		name := map[string]string{"t": "test"}[cmd]
		if name == "" {
			name = cmd
		}
		return npmRun(ctx, p, name, rest)
	case "init", "create", "innit", "uninstall", "remove", "rm", "update", "audit", "fund", "ls", "list", "outdated", "prune", "cache", "config", "exec", "pack", "publish", "view", "help":
		fmt.Fprintf(p.Stderr, "npm %s: not simulated in this teaching environment\n", cmd)
		return 0
	}
	fmt.Fprintf(p.Stderr, "Unknown command: \"%s\"\n\nTo see a list of supported npm commands, run:\n  npm help\n", cmd)
	return 1
}

const npmUsage = `npm <command>

Usage:

npm install        install all the dependencies in your project
npm install <foo>  add the <foo> dependency to your project
npm test           run this project's tests
npm run <foo>      run the script named <foo>
npm <command> -h   quick help on <command>

npm@` + npmVersion + ` /usr/local/lib/node_modules/npm
`

// npmLog writes the debug log npm leaves behind on every run and returns
// the line that points at it.
func npmLog(p *shell.Proc, size int64) string {
	home := env(p, "HOME", "/root")
	name := path.Join(home, ".npm/_logs", strings.ReplaceAll(now(p).Format("2006-01-02T15:04:05.000Z"), ":", "_")+"-debug-0.log")
	in := &installer{p: p, uid: p.UID, gid: p.GID}
	in.file(name, []byte("0 verbose cli /usr/local/bin/node /usr/local/bin/npm\n"), size, 0o644)
	return "npm error A complete log of this run can be found in: " + name
}

func readPackageJSON(p *shell.Proc, dir string) (map[string]any, bool, error) {
	text, ok := readText(p, path.Join(dir, "package.json"))
	if !ok {
		return nil, false, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, true, err
	}
	return m, true, nil
}

func depNames(m map[string]any, key string) []string {
	deps, _ := m[key].(map[string]any)
	return sortedKeys(deps)
}

func (c *Catalog) npmInstall(p *shell.Proc, o npmOpts, args []string, clean bool) int {
	dir := p.Dir
	if o.global {
		dir = "/usr/local/lib"
	}
	pj, hasPJ, err := readPackageJSON(p, dir)
	if err != nil {
		fmt.Fprintf(p.Stderr, "npm error code EJSONPARSE\nnpm error JSON.parse Invalid package.json: %v\n%s\n", err, npmLog(p, 1800))
		return 1
	}
	var wanted []string
	if clean {
		lock, ok := readText(p, path.Join(dir, "package-lock.json"))
		if !ok {
			lock, ok = readText(p, path.Join(dir, "npm-shrinkwrap.json"))
		}
		if !ok {
			fmt.Fprintf(p.Stderr, "npm error code EUSAGE\nnpm error\nnpm error The `npm ci` command can only install with an existing package-lock.json or\nnpm error npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with npm@5 or\nnpm error later to generate a package-lock.json file, then try again.\nnpm error\nnpm error Clean install a project\nnpm error\nnpm error Usage:\nnpm error npm ci\nnpm error\nnpm error Run \"npm help ci\" for more info\n%s\n", npmLog(p, 2600))
			return 1
		}
		var lf struct {
			Packages map[string]json.RawMessage `json:"packages"`
		}
		_ = json.Unmarshal([]byte(lock), &lf)
		for _, k := range sortedKeys(lf.Packages) {
			if name, ok := strings.CutPrefix(k, "node_modules/"); ok && !strings.Contains(name, "/node_modules/") {
				wanted = append(wanted, name)
			}
		}
		_ = p.FS.RemoveAll(path.Join(dir, "node_modules"))
	} else if hasPJ && pj != nil {
		wanted = depNames(pj, "dependencies")
		if !o.omitDev {
			wanted = append(wanted, depNames(pj, "devDependencies")...)
		}
	}
	if pj == nil {
		pj = map[string]any{}
	}
	for _, a := range args {
		name, ver := splitAt(a)
		pk := c.npm[name]
		if pk == nil || (ver != "" && ver != "latest" && strings.TrimLeft(ver, "^~") != pk.version && !strings.ContainsAny(ver, "x*<>")) {
			spec := name
			if ver != "" {
				spec = name + "@" + ver
			}
			fmt.Fprintf(p.Stderr, "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/%s - Not found\nnpm error 404\nnpm error 404  '%s' is not in this registry.\nnpm error 404\nnpm error 404 Note that you can also install from a\nnpm error 404 tarball, folder, http url, or git url.\n%s\n", name, spec, npmLog(p, 2100))
			return 1
		}
		deps, _ := pj["dependencies"].(map[string]any)
		if deps == nil {
			deps = map[string]any{}
		}
		deps[name] = "^" + pk.version
		pj["dependencies"] = deps
		wanted = append(wanted, name)
	}
	// the whole tree, flat in node_modules as npm hoists it
	var tree []*npmPkg
	seen := map[string]bool{}
	queue := append([]string(nil), wanted...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		pk := c.npm[name]
		if pk == nil {
			fmt.Fprintf(p.Stderr, "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/%s - Not found\n%s\n", name, npmLog(p, 2100))
			return 1
		}
		tree = append(tree, pk)
		for _, d := range pk.deps {
			n, _ := splitAt(d)
			queue = append(queue, n)
		}
	}
	sort.Slice(tree, func(i, j int) bool { return tree[i].name < tree[j].name })
	in := &installer{p: p, uid: p.UID, gid: p.GID}
	home := env(p, "HOME", "/root")
	modules := path.Join(dir, "node_modules")
	added := 0
	var fetched int64
	lockPkgs := map[string]any{}
	for _, pk := range tree {
		root := path.Join(modules, pk.name)
		lockPkgs["node_modules/"+pk.name] = map[string]any{
			"version":  pk.version,
			"resolved": "https://registry.npmjs.org/" + pk.name + "/-/" + path.Base(pk.name) + "-" + pk.version + ".tgz",
		}
		if text, ok := readText(p, path.Join(root, "package.json")); ok && strings.Contains(text, `"version": "`+pk.version+`"`) {
			continue
		}
		added++
		manifest := fmt.Sprintf("{\n  \"name\": %q,\n  \"version\": %q\n}\n", pk.name, pk.version)
		in.text(path.Join(root, "package.json"), manifest, 0o644)
		rest := pk.size - int64(len(manifest)) - 1100
		if rest < 0 {
			rest = 0
		}
		in.file(path.Join(root, "index.js"), []byte("// "+pk.name+"@"+pk.version+" (teaching copy: real size, no code)\n"), rest*6/10, 0o644)
		in.file(path.Join(root, "README.md"), nil, rest-rest*6/10, 0o644)
		in.file(path.Join(root, "LICENSE"), nil, 1100, 0o644)
		for _, b := range pk.bins {
			// the program itself, then its link: node_modules/.bin for a
			// project, /usr/local/bin (PREFIX/bin) for a global install
			in.file(path.Join(root, b[1]), []byte("#!/usr/bin/env node\n// "+b[0]+" from "+pk.name+"@"+pk.version+" (teaching copy)\n"), 0, 0o755)
			if o.global {
				in.link("../lib/node_modules/"+pk.name+"/"+b[1], path.Join(path.Dir(dir), "bin", b[0]))
			} else {
				in.link("../"+pk.name+"/"+b[1], path.Join(modules, ".bin", b[0]))
			}
		}
		sum := fmt.Sprintf("%x", sha256.Sum256([]byte(pk.name+"@"+pk.version)))
		cached := path.Join(home, ".npm/_cacache/content-v2/sha512", sum[:2], sum[2:4], sum[4:])
		if !exists(p, cached) {
			fetched += pk.tarball
			in.file(cached, nil, pk.tarball, 0o644)
			in.file(path.Join(home, ".npm/_cacache/index-v5", sum[:2], sum[2:4], sum[4:]), nil, 420, 0o644)
		}
	}
	name, _ := pj["name"].(string)
	version, _ := pj["version"].(string)
	rootEntry := map[string]any{"dependencies": pj["dependencies"]}
	if name != "" {
		rootEntry["name"], rootEntry["version"] = name, version
	}
	lockPkgs[""] = rootEntry
	lock := map[string]any{"name": name, "version": version, "lockfileVersion": 3, "requires": true, "packages": lockPkgs}
	lb, _ := json.MarshalIndent(lock, "", "  ")
	if !clean {
		in.text(path.Join(dir, "package-lock.json"), string(lb)+"\n", 0o644)
		if len(args) > 0 {
			pb, _ := json.MarshalIndent(pj, "", "  ")
			in.text(path.Join(dir, "package.json"), string(pb)+"\n", 0o644)
		}
	}
	if len(tree) > 0 {
		in.text(path.Join(modules, ".package-lock.json"), string(lb)+"\n", 0o644)
	}
	npmLog(p, 9000+int64(len(tree))*180)
	if in.err != nil {
		fmt.Fprintf(p.Stderr, "npm error code EACCES\nnpm error %s\n", errText(in.err))
		return 1
	}
	secs := 0.6 + float64(fetched)/10e6 + float64(added)*0.02
	spend(p, time.Duration(secs*float64(time.Second)))
	took := fmt.Sprintf("%ds", int(secs+0.5))
	if secs < 1 {
		took = fmt.Sprintf("%dms", int(secs*1000))
	}
	audited := len(tree) + 1
	if added > 0 {
		fmt.Fprintf(p.Stdout, "\nadded %s, and audited %s in %s\n", plural(added, "package", "packages"), plural(audited, "package", "packages"), took)
	} else {
		fmt.Fprintf(p.Stdout, "\nup to date, audited %s in %s\n", plural(audited, "package", "packages"), took)
	}
	funding := 0
	for _, pk := range tree {
		if pk.fund {
			funding++
		}
	}
	if funding > 0 {
		verb := "packages are"
		if funding == 1 {
			verb = "package is"
		}
		fmt.Fprintf(p.Stdout, "\n%d %s looking for funding\n  run `npm fund` for details\n", funding, verb)
	}
	fmt.Fprintln(p.Stdout, "\nfound 0 vulnerabilities")
	return 0
}

func npmListScripts(p *shell.Proc) int {
	pj, _, _ := readPackageJSON(p, p.Dir)
	scripts, _ := pj["scripts"].(map[string]any)
	for _, k := range sortedKeys(scripts) {
		fmt.Fprintf(p.Stdout, "  %s\n    %v\n", k, scripts[k])
	}
	return 0
}

// npmRun runs a package.json script through the shell, as npm does with sh -c.
func npmRun(ctx context.Context, p *shell.Proc, name string, extra []string) int {
	pj, ok, err := readPackageJSON(p, p.Dir)
	if !ok || err != nil {
		fmt.Fprintf(p.Stderr, "npm error code ENOENT\nnpm error syscall open\nnpm error path %s/package.json\nnpm error errno -2\nnpm error enoent Could not read package.json: Error: ENOENT: no such file or directory, open '%s/package.json'\n%s\n", p.Dir, p.Dir, npmLog(p, 1500))
		return 254
	}
	scripts, _ := pj["scripts"].(map[string]any)
	script, _ := scripts[name].(string)
	if script == "" && name == "start" && exists(p, abs(p, "server.js")) {
		script = "node server.js"
	}
	if script == "" {
		fmt.Fprintf(p.Stderr, "npm error Missing script: \"%s\"\nnpm error\nnpm error To see a list of scripts, run:\nnpm error   npm run\n%s\n", name, npmLog(p, 1400))
		return 1
	}
	if len(extra) > 0 {
		script += " " + strings.Join(extra, " ")
	}
	pkgName, _ := pj["name"].(string)
	version, _ := pj["version"].(string)
	label := pkgName
	if version != "" {
		label += "@" + version
	}
	fmt.Fprintf(p.Stdout, "\n> %s %s\n> %s\n\n", label, name, script)
	if p.Shell == nil {
		return 0
	}
	code, err := p.Exec(ctx, []string{"sh", "-c", script})
	if err != nil {
		fmt.Fprintf(p.Stderr, "npm error %v\n", err)
		return 1
	}
	return code
}
