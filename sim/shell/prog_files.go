package shell

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// mkdir [-p] [-m mode] dir…
func mkdirProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "pm:v", map[string]byte{"parents": 'p', "mode": 'm', "verbose": 'v'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	var mode fs.FileMode
	hasMode := o.has('m')
	if hasMode {
		m, ok := parseMode(o.set['m'], 0o777&^t.v.umask, true, t.v.umask)
		if !ok {
			t.errorf("invalid mode %s", q(o.set['m']))
			return 1
		}
		mode = m
	}
	fail := func(a string, e syscall.Errno) {
		if t.busybox {
			t.errorf("can't create directory %s: %s", q(a), strerror(e))
		} else {
			t.errorf("cannot create directory %s: %s", q(a), strerror(e))
		}
	}
	for _, a := range o.args {
		if t.stop() {
			return 1
		}
		target := t.abs(a)
		if o.has('p') {
			cur := "/"
			for _, elem := range strings.Split(strings.Trim(target, "/"), "/") {
				if elem == "" {
					continue
				}
				cur = path.Join(cur, elem)
				n, err := t.v.stat(cur)
				if err == nil {
					if !isDirNode(n) {
						fail(a, syscall.ENOTDIR)
						break
					}
					continue
				}
				if err := t.v.mkdir(cur, 0o777); err != nil {
					fail(a, errno(err))
					break
				}
				if o.has('v') {
					t.print("mkdir: created directory " + q(cur) + "\n")
				}
			}
		} else if err := t.v.mkdir(target, 0o777); err != nil {
			fail(a, errno(err))
			continue
		} else if o.has('v') {
			t.print("mkdir: created directory " + q(a) + "\n")
		}
		if hasMode {
			if err := t.v.o.Chmod(target, mode); err != nil {
				fail(a, errno(err))
			}
		}
	}
	return t.status
}

// touch [-c] file…: files carry no times in the simulator, so touching an
// existing file only records it as changed (copying it up), as the new
// mtime would.
func touchProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "acmd:r:t:h", map[string]byte{"no-create": 'c', "date": 'd', "reference": 'r', "no-dereference": 'h'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing file operand")
	}
	for _, a := range o.args {
		target := t.abs(a)
		if deviceAt(target) != devNone {
			continue
		}
		n, err := t.v.stat(target)
		switch {
		case err == nil:
			if !t.v.may(n, 2) && n.UID != t.v.uid {
				t.errorf("cannot touch %s: %s", q(a), strerror(syscall.EACCES))
				continue
			}
			if err := t.v.o.Chmod(target, n.Mode); err != nil {
				t.touchFailed(a, err)
			}
		case errno(err) == syscall.ENOENT && o.has('c'):
		case errno(err) == syscall.ENOENT:
			if err := t.v.writeFile(target, nil, 0o666); err != nil {
				t.touchFailed(a, err)
			}
		default:
			t.touchFailed(a, err)
		}
	}
	return t.status
}

// rm [-rRfdv] file…
func rmProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "rRfdvi", map[string]byte{
		"recursive": 'r', "force": 'f', "dir": 'd', "verbose": 'v', "no-preserve-root": 'N', "preserve-root": 'P',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	recursive := o.has('r') || o.has('R')
	force := o.has('f')
	if len(o.args) == 0 && !force {
		return t.usage("missing operand")
	}
	for _, a := range o.args {
		if t.stop() {
			return 1
		}
		if a == "" {
			// an empty name names no file (ENOENT), which -f ignores
			if !force {
				t.removeFailed(a, syscall.ENOENT)
			}
			continue
		}
		target := t.abs(a)
		base := path.Base(a)
		if base == "." || base == ".." {
			t.errorf("refusing to remove '.' or '..' directory: skipping %s", q(a))
			continue
		}
		if target == "/" && recursive {
			t.errorf("it is dangerous to operate recursively on '/'")
			t.errorf("use --no-preserve-root to override this failsafe")
			continue
		}
		n, err := t.v.lstat(target)
		if err != nil {
			if force && errno(err) == syscall.ENOENT {
				continue
			}
			t.removeFailed(a, err)
			continue
		}
		if isDirNode(n) && !recursive {
			if !o.has('d') {
				t.removeFailed(a, syscall.EISDIR)
				continue
			}
		}
		if isDirNode(n) && recursive {
			t.removeTree(a, target)
		} else if err := t.v.remove(target); err != nil {
			t.removeFailed(a, err)
			continue
		}
		if o.has('v') {
			verb := "removed "
			if isDirNode(n) {
				verb = "removed directory "
			}
			t.print(verb + q(a) + "\n")
		}
	}
	return t.status
}

func (t *tool) removeFailed(a string, err error) {
	if t.busybox {
		t.errorf("can't remove %s: %s", q(a), describe(err))
		return
	}
	t.errorf("cannot remove %s: %s", q(a), describe(err))
}

// removeTree deletes a directory and everything under it, reporting what it
// may not delete and going on with the rest, as rm -r does.
func (t *tool) removeTree(name, p string) bool {
	if t.stop() {
		return false
	}
	n, err := t.v.lstat(p)
	if err != nil {
		t.removeFailed(name, err)
		return false
	}
	if isDirNode(n) {
		kids, err := t.v.o.ReadDir(p)
		if err != nil {
			t.removeFailed(name, err)
			return false
		}
		ok := true
		for _, k := range kids {
			kp := "/" + k.Path
			if !t.removeTree(path.Join(name, path.Base(kp)), kp) {
				ok = false
			}
		}
		if !ok {
			return false
		}
	}
	if err := t.v.remove(p); err != nil {
		t.removeFailed(name, err)
		return false
	}
	return true
}

// rmdir [-p] dir…
func rmdirProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "pv", map[string]byte{"parents": 'p', "verbose": 'v', "ignore-fail-on-non-empty": 'I'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	for _, a := range o.args {
		for cur := a; ; {
			target := t.abs(cur)
			n, err := t.v.lstat(target)
			if err == nil && !isDirNode(n) {
				err = syscall.ENOTDIR
			}
			if err == nil {
				err = t.v.remove(target)
			}
			if err != nil {
				if !(o.has('I') && errno(err) == syscall.ENOTEMPTY) {
					if t.busybox {
						t.errorf("'%s': %s", cur, describe(err))
					} else {
						t.errorf("failed to remove %s: %s", q(cur), describe(err))
					}
				}
				break
			}
			parent := path.Dir(cur)
			if !o.has('p') || parent == cur || parent == "." || parent == "/" {
				break
			}
			cur = parent
		}
	}
	return t.status
}

// cp [-rRapfnLPd] src… dest
func cpProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "rRapfnvLPdHTt:u", map[string]byte{
		"recursive": 'r', "archive": 'a', "force": 'f', "no-clobber": 'n', "verbose": 'v',
		"dereference": 'L', "no-dereference": 'P', "target-directory": 't', "no-target-directory": 'T',
		"preserve": 'p', "update": 'u',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	c := copier{t: t,
		recursive: o.has('r') || o.has('R') || o.has('a'),
		preserve:  o.has('p') || o.has('a'),
		noClobber: o.has('n'),
		verbose:   o.has('v'),
	}
	// -R copies symlinks as symlinks unless -L; a lone file is followed.
	c.deref = o.has('L') || (!c.recursive && !o.has('P') && !o.has('d'))
	if o.has('a') || o.has('d') || o.has('P') {
		c.deref = o.has('L')
	}
	return t.transfer(o, "cp", c.copy)
}

// transfer is the operand handling cp and mv share: SRC DEST, SRC… DIR,
// -t DIR SRC…, -T SRC DEST.
func (t *tool) transfer(o options, verb string, move func(src, dst, shown string) bool) int {
	args := o.args
	var dir string
	switch {
	case o.has('t'):
		dir = o.set['t']
	case len(args) == 0:
		return t.usage("missing file operand")
	case len(args) == 1:
		return t.usage("missing destination file operand after %s", q(args[0]))
	}
	if dir == "" && !o.has('T') {
		last := args[len(args)-1]
		if n, err := t.v.stat(t.abs(last)); err == nil && isDirNode(n) {
			dir, args = last, args[:len(args)-1]
		} else if len(args) > 2 {
			t.errorf("target %s is not a directory", q(last))
			return 1
		}
	}
	if dir == "" {
		move(t.abs(args[0]), t.abs(args[1]), args[0])
		return t.status
	}
	if n, err := t.v.stat(t.abs(dir)); err != nil || !isDirNode(n) {
		t.errorf("target %s is not a directory", q(dir))
		return 1
	}
	for _, a := range args {
		if t.stop() {
			return 1
		}
		move(t.abs(a), path.Join(t.abs(dir), path.Base(t.abs(a))), a)
	}
	return t.status
}

// copier copies files and trees the way cp does.
type copier struct {
	t                                     *tool
	recursive, preserve, deref, noClobber bool
	verbose                               bool
}

func (c *copier) copy(src, dst, shown string) bool {
	t := c.t
	stat := t.v.lstat
	if c.deref {
		stat = t.v.stat
	}
	n, err := stat(src)
	if err != nil {
		if t.busybox {
			t.errorf("can't stat %s: %s", q(shown), describe(err))
		} else {
			t.errorf("cannot stat %s: %s", q(shown), describe(err))
		}
		return false
	}
	if isDirNode(n) && !c.recursive {
		if t.busybox {
			t.errorf("omitting directory %s", q(shown))
		} else {
			t.errorf("-r not specified; omitting directory %s", q(shown))
		}
		return false
	}
	if src == dst {
		t.errorf("%s and %s are the same file", q(shown), q(shown))
		return false
	}
	if isDirNode(n) && strings.HasPrefix(dst, src+"/") {
		t.errorf("cannot copy a directory, %s, into itself, %s", q(shown), q(dst))
		return false
	}
	ok := c.node(src, dst, n)
	if ok && c.verbose {
		t.print(q(shown) + " -> " + q(dst) + "\n")
	}
	return ok
}

// node copies one path (and, for a directory, what it holds).
func (c *copier) node(src, dst string, n union.Node) bool {
	t := c.t
	if t.stop() {
		return false
	}
	fail := func(err error) bool {
		t.errorf("cannot create %s %s: %s", kindWord(n), q(dst), describe(err))
		return false
	}
	existing, eerr := t.v.lstat(dst)
	switch n.Type {
	case layer.TypeSymlink:
		if eerr == nil {
			if c.noClobber {
				return true
			}
			if err := t.v.remove(dst); err != nil {
				return fail(err)
			}
		}
		if err := t.v.parentWritable(dst); err != nil {
			return fail(err)
		}
		if err := t.v.o.Symlink(n.Linkname, dst); err != nil {
			return fail(err)
		}
		return c.keep(dst, n, false)
	case layer.TypeDir:
		if eerr != nil {
			if err := t.v.mkdir(dst, n.Mode.Perm()|0o700); err != nil {
				return fail(err)
			}
		} else if !isDirNode(existing) {
			t.errorf("cannot overwrite non-directory %s with directory %s", q(dst), q(src))
			return false
		}
		kids, err := t.v.o.ReadDir(src)
		if err != nil {
			return fail(err)
		}
		ok := true
		for _, k := range kids {
			kp := "/" + k.Path
			kn, err := t.v.lstat(kp)
			if err != nil {
				continue
			}
			if !c.node(kp, path.Join(dst, path.Base(kp)), kn) {
				ok = false
			}
		}
		if eerr != nil {
			if err := t.v.o.Chmod(dst, n.Mode&^t.v.umask); err != nil {
				return fail(err)
			}
		}
		return c.keep(dst, n, true) && ok
	}
	if eerr == nil && c.noClobber {
		return true
	}
	if eerr == nil && isDirNode(existing) {
		t.errorf("cannot overwrite directory %s with non-directory", q(dst))
		return false
	}
	if !t.v.may(n, 4) {
		t.errorf("cannot open %s for reading: %s", q(src), strerror(syscall.EACCES))
		return false
	}
	if err := t.v.put(dst, bytes.Clone(n.Data), n.Size, n.Mode); err != nil {
		return fail(err)
	}
	return c.keep(dst, n, eerr == nil)
}

// keep applies -p/-a: the source's mode and, for root, its owner.
func (c *copier) keep(dst string, n union.Node, existed bool) bool {
	t := c.t
	if !c.preserve {
		return true
	}
	if n.Type != layer.TypeSymlink {
		if err := t.v.o.Chmod(dst, n.Mode); err != nil {
			t.errorf("preserving permissions for %s: %s", q(dst), describe(err))
			return false
		}
	}
	if t.v.uid == 0 {
		if err := t.v.o.Chown(dst, n.UID, n.GID); err != nil {
			t.errorf("failed to preserve ownership for %s: %s", q(dst), describe(err))
			return false
		}
	}
	return true
}

func kindWord(n union.Node) string {
	switch n.Type {
	case layer.TypeDir:
		return "directory"
	case layer.TypeSymlink:
		return "symbolic link"
	}
	return "regular file"
}

// mv [-fnvT] src… dest. Renaming a directory that lower layers hold fails
// with EXDEV in overlayfs; mv then copies and deletes, as the real one does.
func mvProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "fnivTt:u", map[string]byte{
		"force": 'f', "no-clobber": 'n', "verbose": 'v', "target-directory": 't', "no-target-directory": 'T',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	return t.transfer(o, "mv", func(src, dst, shown string) bool {
		n, err := t.v.lstat(src)
		if err != nil && t.busybox {
			t.errorf("can't rename '%s': %s", shown, describe(err))
			return false
		}
		if err != nil {
			t.errorf("cannot stat %s: %s", q(shown), describe(err))
			return false
		}
		if src == dst {
			t.errorf("%s and %s are the same file", q(shown), q(shown))
			return false
		}
		if isDirNode(n) && strings.HasPrefix(dst, src+"/") {
			t.errorf("cannot move %s to a subdirectory of itself, %s", q(shown), q(dst))
			return false
		}
		if _, err := t.v.lstat(dst); err == nil && o.has('n') {
			return true
		}
		if err := t.v.parentWritable(src); err != nil {
			t.errorf("cannot move %s to %s: %s", q(shown), q(dst), describe(err))
			return false
		}
		if err := t.v.parentWritable(dst); err != nil {
			t.errorf("cannot move %s to %s: %s", q(shown), q(dst), describe(err))
			return false
		}
		err = t.v.o.Rename(src, dst)
		if errno(err) == syscall.EXDEV {
			c := copier{t: t, recursive: true, preserve: true}
			if c.node(src, dst, n) && t.removeTree(shown, src) {
				err = nil
			} else {
				return false
			}
		}
		if err != nil {
			t.errorf("cannot move %s to %s: %s", q(shown), q(dst), describe(err))
			return false
		}
		if o.has('v') {
			t.print("renamed " + q(shown) + " -> " + q(dst) + "\n")
		}
		return true
	})
}

// ln [-sfnTv] target… link. Hard links are simulated as copies: layers in
// the simulator have no hard links.
func lnProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "sfnvTrL", map[string]byte{
		"symbolic": 's', "force": 'f', "no-dereference": 'n', "verbose": 'v', "no-target-directory": 'T', "relative": 'r',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	args := o.args
	if len(args) == 0 {
		return t.usage("missing file operand")
	}
	if len(args) == 1 {
		args = append(args, path.Base(args[0]))
	}
	link := args[len(args)-1]
	targets := args[:len(args)-1]
	inDir := false
	if !o.has('T') {
		stat := t.v.stat
		if o.has('n') {
			stat = t.v.lstat
		}
		if n, err := stat(t.abs(link)); err == nil && isDirNode(n) {
			inDir = true
		}
	}
	if len(targets) > 1 && !inDir {
		t.errorf("target %s is not a directory", q(link))
		return 1
	}
	for _, target := range targets {
		name := link
		if inDir {
			name = path.Join(link, path.Base(target))
		}
		dst := t.abs(name)
		kind := "symbolic link"
		if !o.has('s') {
			kind = "hard link"
		}
		if _, err := t.v.lstat(dst); err == nil {
			if !o.has('f') {
				t.errorf("failed to create %s %s: %s", kind, q(name), strerror(syscall.EEXIST))
				continue
			}
			if err := t.v.remove(dst); err != nil {
				t.errorf("cannot remove %s: %s", q(name), describe(err))
				continue
			}
		}
		if err := t.v.parentWritable(dst); err != nil {
			t.errorf("failed to create %s %s: %s", kind, q(name), describe(err))
			continue
		}
		if o.has('s') {
			if err := t.v.o.Symlink(target, dst); err != nil {
				t.errorf("failed to create %s %s: %s", kind, q(name), describe(err))
				continue
			}
			if t.v.uid != 0 {
				t.v.o.Chown(dst, t.v.uid, t.v.gid)
			}
		} else {
			n, err := t.v.stat(t.abs(target))
			if err != nil {
				t.errorf("failed to access %s: %s", q(target), describe(err))
				continue
			}
			if isDirNode(n) {
				t.errorf("%s: hard link not allowed for directory", q(target))
				continue
			}
			c := copier{t: t, preserve: true}
			if !c.node(t.abs(target), dst, n) {
				continue
			}
		}
		if o.has('v') {
			t.print(q(name) + " -> " + q(target) + "\n")
		}
	}
	return t.status
}

// parseMode reads chmod's octal or symbolic modes ([ugoa]*[+-=][rwxXst]*,…)
// against the current mode cur. Without a who, symbolic changes skip the
// bits the umask masks, as chmod does.
func parseMode(spec string, cur fs.FileMode, isDir bool, umask fs.FileMode) (fs.FileMode, bool) {
	if spec == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(spec, 8, 32); err == nil {
		if n > 0o7777 {
			return 0, false
		}
		m := fs.FileMode(n & 0o777)
		if n&0o4000 != 0 {
			m |= fs.ModeSetuid
		}
		if n&0o2000 != 0 {
			m |= fs.ModeSetgid
		}
		if n&0o1000 != 0 {
			m |= fs.ModeSticky
		}
		return m, true
	}
	m := cur
	for clause := range strings.SplitSeq(spec, ",") {
		i := 0
		var who fs.FileMode
		for i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0 {
			switch clause[i] {
			case 'u':
				who |= 0o4700
			case 'g':
				who |= 0o2070
			case 'o':
				who |= 0o1007
			case 'a':
				who |= 0o7777
			}
			i++
		}
		masked := false
		if who == 0 {
			who, masked = 0o7777, true
		}
		if i == len(clause) {
			return 0, false
		}
		for i < len(clause) {
			op := clause[i]
			if op != '+' && op != '-' && op != '=' {
				return 0, false
			}
			i++
			var bits fs.FileMode
			for i < len(clause) && strings.IndexByte("rwxXst", clause[i]) >= 0 {
				switch clause[i] {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if isDir || m&0o111 != 0 {
						bits |= 0o111
					}
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				}
				i++
			}
			bits &= who
			if masked {
				bits &^= umask
			}
			octal := toOctal(m)
			switch op {
			case '+':
				octal |= bits
			case '-':
				octal &^= bits
			case '=':
				octal = octal&^(who&0o7777) | bits
			}
			m = fromOctal(octal)
		}
	}
	return m, true
}

// toOctal and fromOctal convert between fs.FileMode's special bits and the
// octal form chmod works with.
func toOctal(m fs.FileMode) fs.FileMode {
	o := m & 0o777
	if m&fs.ModeSetuid != 0 {
		o |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		o |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		o |= 0o1000
	}
	return o
}

func fromOctal(o fs.FileMode) fs.FileMode {
	m := o & 0o777
	if o&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if o&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if o&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// chmod [-R] mode file…
func chmodProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	// Modes such as -x look like options: take them out first.
	var argv []string
	var modeArg string
	for _, a := range p.Args[1:] {
		if modeArg == "" && len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "rwxXst") == "" && a != "-R" {
			modeArg = a
			continue
		}
		argv = append(argv, a)
	}
	o, err := getopt(argv, "Rvcf", map[string]byte{"recursive": 'R', "verbose": 'v', "changes": 'c', "silent": 'f', "quiet": 'f'})
	if err != nil {
		return t.usage("%v", err)
	}
	args := o.args
	if modeArg == "" {
		if len(args) == 0 {
			return t.usage("missing operand")
		}
		modeArg, args = args[0], args[1:]
	}
	if len(args) == 0 {
		return t.usage("missing operand after %s", q(modeArg))
	}
	if _, ok := parseMode(modeArg, 0, false, t.v.umask); !ok {
		t.errorf("invalid mode: %s", q(modeArg))
		return 1
	}
	var apply func(name, target string, top bool)
	apply = func(name, target string, top bool) {
		if t.stop() {
			return
		}
		n, err := t.v.lstat(target)
		if err == nil && n.Type == layer.TypeSymlink {
			if !top {
				return // chmod -R does not follow symlinks it meets
			}
			n, err = t.v.stat(target)
		}
		if err != nil {
			if t.busybox {
				t.errorf("%s: %s", name, describe(err))
			} else {
				t.errorf("cannot access %s: %s", q(name), describe(err))
			}
			return
		}
		if t.v.uid != 0 && n.UID != t.v.uid {
			t.errorf("changing permissions of %s: %s", q(name), strerror(syscall.EPERM))
			return
		}
		m, _ := parseMode(modeArg, n.Mode, isDirNode(n), t.v.umask)
		if err := t.v.o.Chmod(target, m); err != nil {
			t.errorf("changing permissions of %s: %s", q(name), describe(err))
			return
		}
		if o.has('R') && isDirNode(n) {
			kids, _ := t.v.o.ReadDir(target)
			for _, k := range kids {
				apply(path.Join(name, path.Base(k.Path)), "/"+k.Path, false)
			}
		}
	}
	for _, a := range args {
		apply(a, t.abs(a), true)
	}
	return t.status
}

// chown [-Rh] owner[:group] file… (chgrp group file…): names come from the
// image's /etc/passwd and /etc/group.
func chownProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "RhvcfHLP", map[string]byte{
		"recursive": 'R', "no-dereference": 'h', "verbose": 'v', "changes": 'c', "silent": 'f', "quiet": 'f',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	if len(o.args) == 1 {
		return t.usage("missing operand after %s", q(o.args[0]))
	}
	spec := o.args[0]
	uid, gid := -1, -1
	if t.name == "chgrp" {
		id, ok := t.resolveID(spec, groupByName)
		if !ok {
			t.errorf("invalid group: %s", q(spec))
			return 1
		}
		gid = id
	} else {
		user, group, hasGroup := strings.Cut(spec, ":")
		if !hasGroup {
			user, group, hasGroup = strings.Cut(spec, ".")
			if hasGroup && func() bool { _, ok := userByName(t.p.FS, spec); return ok }() {
				user, group, hasGroup = spec, "", false
			}
		}
		if user != "" {
			id, ok := t.resolveID(user, userByName)
			if !ok {
				t.errorf("invalid user: %s", q(spec))
				return 1
			}
			uid = id
			if hasGroup && group == "" {
				if a, ok := userByID(t.p.FS, id); ok {
					gid = a.gid
				} else {
					gid = id
				}
			}
		}
		if group != "" {
			id, ok := t.resolveID(group, groupByName)
			if !ok {
				t.errorf("invalid group: %s", q(spec))
				return 1
			}
			gid = id
		}
	}
	var apply func(name, target string, top bool)
	apply = func(name, target string, top bool) {
		if t.stop() {
			return
		}
		stat := t.v.stat
		if o.has('h') || !top {
			stat = t.v.lstat
		}
		n, err := stat(target)
		if err != nil {
			if t.busybox {
				t.errorf("%s: %s", name, describe(err))
			} else {
				t.errorf("cannot access %s: %s", q(name), describe(err))
			}
			return
		}
		newUID, newGID := n.UID, n.GID
		if uid >= 0 {
			newUID = uid
		}
		if gid >= 0 {
			newGID = gid
		}
		if t.v.uid != 0 && (newUID != n.UID || n.UID != t.v.uid) {
			verb := "ownership"
			if t.name == "chgrp" {
				verb = "group"
			}
			t.errorf("changing %s of %s: %s", verb, q(name), strerror(syscall.EPERM))
			return
		}
		p := target
		if n.Type == layer.TypeSymlink && !o.has('h') && top {
			p, _ = t.p.Shell.realpath(t.p, target)
		}
		if err := t.v.o.Chown(p, newUID, newGID); err != nil {
			t.errorf("changing ownership of %s: %s", q(name), describe(err))
			return
		}
		if o.has('R') && isDirNode(n) {
			kids, _ := t.v.o.ReadDir(target)
			for _, k := range kids {
				apply(path.Join(name, path.Base(k.Path)), "/"+k.Path, false)
			}
		}
	}
	for _, a := range o.args[1:] {
		apply(a, t.abs(a), true)
	}
	return t.status
}

// resolveID turns a name from the image's accounts, or a number, into an
// ID.
func (t *tool) resolveID(s string, byName func(FS, string) (account, bool)) (int, bool) {
	if a, ok := byName(t.p.FS, s); ok {
		return a.id, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func (t *tool) touchFailed(a string, err error) {
	if t.busybox {
		t.errorf("%s: %s", a, describe(err))
		return
	}
	t.errorf("cannot touch %s: %s", q(a), describe(err))
}
