package shell

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/layer"
)

// Kernel is what uname reports: the simulator's containers share no real
// kernel, so this one is fixed.
const (
	kernelRelease = "6.8.0"
	kernelVersion = "#1 SMP PREEMPT_DYNAMIC Mon Jan  1 00:00:00 UTC 2024"
	kernelMachine = "x86_64"
)

// hostname is the container's host name: HOSTNAME from its environment, as
// Docker sets it.
func hostname(p *Proc) string {
	if h := p.Env["HOSTNAME"]; h != "" {
		return h
	}
	return "localhost"
}

// id [-u|-g|-G] [-n] [user]
func idProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "ugGnr", map[string]byte{"user": 'u', "group": 'g', "groups": 'G', "name": 'n', "real": 'r'})
	if err != nil {
		return t.usage("%v", err)
	}
	uid, gid := p.UID, p.GID
	if len(o.args) > 0 {
		a, ok := userByName(p.FS, o.args[0])
		if !ok {
			if n, err := strconv.Atoi(o.args[0]); err == nil {
				a, ok = userByID(p.FS, n)
			}
		}
		if !ok {
			t.errorf("%s: no such user", q(o.args[0]))
			return 1
		}
		uid, gid = a.id, a.gid
	}
	uname := func(id int) (string, bool) {
		if a, ok := userByID(p.FS, id); ok {
			return a.name, true
		}
		return strconv.Itoa(id), false
	}
	gname := func(id int) (string, bool) {
		if a, ok := groupByID(p.FS, id); ok {
			return a.name, true
		}
		return strconv.Itoa(id), false
	}
	groups := []int{gid}
	if un, ok := uname(uid); ok {
		for _, g := range accounts(p.FS, "/etc/group") {
			if g.id != gid && slices.Contains(g.members, un) {
				groups = append(groups, g.id)
			}
		}
	}
	show := func(id int, name func(int) (string, bool)) string {
		if o.has('n') {
			s, _ := name(id)
			return s
		}
		return strconv.Itoa(id)
	}
	switch {
	case o.has('u'):
		t.print(show(uid, uname) + "\n")
	case o.has('g'):
		t.print(show(gid, gname) + "\n")
	case o.has('G'):
		var parts []string
		for _, g := range groups {
			parts = append(parts, show(g, gname))
		}
		t.print(strings.Join(parts, " ") + "\n")
	default:
		with := func(id int, name func(int) (string, bool)) string {
			if s, ok := name(id); ok {
				return fmt.Sprintf("%d(%s)", id, s)
			}
			return strconv.Itoa(id)
		}
		var parts []string
		for _, g := range groups {
			parts = append(parts, with(g, gname))
		}
		t.print(fmt.Sprintf("uid=%s gid=%s groups=%s\n", with(uid, uname), with(gid, gname), strings.Join(parts, ",")))
	}
	return t.status
}

// whoami
func whoamiProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	a, ok := userByID(p.FS, p.UID)
	if !ok {
		t.errorf("cannot find name for user ID %d", p.UID)
		return 1
	}
	t.print(a.name + "\n")
	return 0
}

// env [-i] [-u name] [name=value]… [command [arg]…]
func envProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	env := map[string]string{}
	args := p.Args[1:]
	clearEnv := false
	for len(args) > 0 {
		a := args[0]
		switch {
		case a == "-i" || a == "-" || a == "--ignore-environment":
			clearEnv = true
		case a == "-u" && len(args) > 1:
			args = args[1:]
			env["\x00unset "+args[0]] = ""
		case strings.HasPrefix(a, "-u") && len(a) > 2:
			env["\x00unset "+a[2:]] = ""
		case a == "--":
			args = args[1:]
			goto assignments
		case len(a) > 1 && a[0] == '-':
			return t.usage("invalid option -- '%c'", a[1])
		default:
			goto assignments
		}
		args = args[1:]
	}
assignments:
	newEnv := map[string]string{}
	if !clearEnv {
		for k, v := range p.Env {
			newEnv[k] = v
		}
	}
	for k := range env {
		delete(newEnv, strings.TrimPrefix(k, "\x00unset "))
	}
	for len(args) > 0 && strings.Contains(args[0], "=") && !strings.HasPrefix(args[0], "=") {
		k, v, _ := strings.Cut(args[0], "=")
		newEnv[k] = v
		args = args[1:]
	}
	if len(args) == 0 {
		keys := make([]string, 0, len(newEnv))
		for k := range newEnv {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(k + "=" + newEnv[k] + "\n")
		}
		t.print(b.String())
		return t.status
	}
	c := p.clone()
	c.Env = newEnv
	status, err := c.Exec(ctx, args)
	if err != nil {
		t.errorf("%s: %s", q(args[0]), describe(err))
	}
	return status
}

// basename name [suffix] | -a name… | -s suffix name…
func basenameProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "as:z", map[string]byte{"multiple": 'a', "suffix": 's', "zero": 'z'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	names, suffix := o.args, o.set['s']
	if !o.has('a') && !o.has('s') {
		if len(names) > 2 {
			return t.usage("extra operand %s", q(names[2]))
		}
		if len(names) == 2 {
			suffix = names[1]
		}
		names = names[:1]
	}
	for _, n := range names {
		b := path.Base(n)
		if n == "" {
			b = ""
		}
		if suffix != "" && b != suffix {
			b = strings.TrimSuffix(b, suffix)
		}
		t.print(b + "\n")
	}
	return t.status
}

// dirname name…
func dirnameProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	if len(p.Args) < 2 {
		return t.usage("missing operand")
	}
	for _, n := range p.Args[1:] {
		d := path.Dir(strings.TrimRight(n, "/"))
		if strings.TrimRight(n, "/") == "" && n != "" {
			d = "/"
		}
		t.print(d + "\n")
	}
	return t.status
}

// pwd as /bin/pwd: the physical directory.
func pwdProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	dir := p.Dir
	if !slices.Contains(p.Args[1:], "-L") {
		if real, err := p.Shell.realpath(p, dir); err == nil {
			dir = real
		}
	}
	t.print(dir + "\n")
	return 0
}

// uname [-asnrvmo]
func unameProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "asnrvmpio", map[string]byte{
		"all": 'a', "kernel-name": 's', "nodename": 'n', "kernel-release": 'r', "kernel-version": 'v',
		"machine": 'm', "processor": 'p', "hardware-platform": 'i', "operating-system": 'o',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	all := o.has('a')
	var parts []string
	add := func(c byte, v string) {
		if all || o.has(c) {
			parts = append(parts, v)
		}
	}
	if len(o.set) == 0 {
		o.set['s'] = ""
	}
	add('s', "Linux")
	add('n', hostname(p))
	add('r', kernelRelease)
	add('v', kernelVersion)
	add('m', kernelMachine)
	if !all {
		add('p', "unknown")
		add('i', "unknown")
	}
	add('o', "GNU/Linux")
	t.print(strings.Join(parts, " ") + "\n")
	return 0
}

// hostname
func hostnameProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		t.errorf("you must be root to change the host name")
		return 1
	}
	t.print(hostname(p) + "\n")
	return 0
}

// date [-u] [-R] [-I] [+format]: the virtual clock, in UTC.
func dateProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	now := p.Now().UTC()
	format := "%a %b %e %H:%M:%S %Z %Y"
	for _, a := range p.Args[1:] {
		switch {
		case strings.HasPrefix(a, "+"):
			format = a[1:]
		case a == "-u" || a == "--utc" || a == "--universal":
		case a == "-R" || a == "--rfc-email":
			format = "%a, %d %b %Y %H:%M:%S %z"
		case a == "-I" || a == "--iso-8601" || a == "--iso-8601=date":
			format = "%Y-%m-%d"
		case a == "--iso-8601=seconds" || a == "-Iseconds":
			format = "%Y-%m-%dT%H:%M:%S+00:00"
		default:
			t.errorf("invalid date %s", q(a))
			return 1
		}
	}
	t.print(strftime(format, now) + "\n")
	return 0
}

// strftime formats the conversions date supports.
func strftime(format string, tm time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'Y':
			fmt.Fprintf(&b, "%d", tm.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", tm.Year()%100)
		case 'm':
			fmt.Fprintf(&b, "%02d", int(tm.Month()))
		case 'd':
			fmt.Fprintf(&b, "%02d", tm.Day())
		case 'e':
			fmt.Fprintf(&b, "%2d", tm.Day())
		case 'H':
			fmt.Fprintf(&b, "%02d", tm.Hour())
		case 'I':
			fmt.Fprintf(&b, "%02d", (tm.Hour()+11)%12+1)
		case 'M':
			fmt.Fprintf(&b, "%02d", tm.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", tm.Second())
		case 'N':
			fmt.Fprintf(&b, "%09d", tm.Nanosecond())
		case 's':
			fmt.Fprintf(&b, "%d", tm.Unix())
		case 'j':
			fmt.Fprintf(&b, "%03d", tm.YearDay())
		case 'a':
			b.WriteString(tm.Weekday().String()[:3])
		case 'A':
			b.WriteString(tm.Weekday().String())
		case 'b', 'h':
			b.WriteString(tm.Month().String()[:3])
		case 'B':
			b.WriteString(tm.Month().String())
		case 'p':
			b.WriteString(tm.Format("PM"))
		case 'u':
			fmt.Fprintf(&b, "%d", (int(tm.Weekday())+6)%7+1)
		case 'w':
			fmt.Fprintf(&b, "%d", int(tm.Weekday()))
		case 'F':
			b.WriteString(tm.Format("2006-01-02"))
		case 'T':
			b.WriteString(tm.Format("15:04:05"))
		case 'R':
			b.WriteString(tm.Format("15:04"))
		case 'D':
			b.WriteString(tm.Format("01/02/06"))
		case 'Z':
			b.WriteString("UTC")
		case 'z':
			b.WriteString("+0000")
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

// which [-a] name…: the PATH search, as debianutils' which does it.
func whichProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	all := false
	if len(args) > 0 && args[0] == "-a" {
		all, args = true, args[1:]
	}
	status := 0
	for _, name := range args {
		found := false
		if strings.Contains(name, "/") {
			if executable(t.v, t.abs(name)) == nil {
				t.print(name + "\n")
				found = true
			}
		} else {
			for _, dir := range strings.Split(pathOf(p.Env), ":") {
				cand := path.Join(dir, name)
				if executable(t.v, t.abs(cand)) == nil {
					t.print(cand + "\n")
					found = true
					if !all {
						break
					}
				}
			}
		}
		if !found {
			status = 1
		}
	}
	return status
}

// readlink [-f|-e|-m] path…
func readlinkProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "femnqsvz", map[string]byte{"canonicalize": 'f', "canonicalize-existing": 'e', "canonicalize-missing": 'm', "no-newline": 'n'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	for _, a := range o.args {
		target := t.abs(a)
		var out string
		switch {
		case o.has('f') || o.has('e') || o.has('m'):
			real, err := p.Shell.realpath(p, target)
			if err != nil && !o.has('e') {
				// -f allows the last component to be missing.
				if dir, derr := p.Shell.realpath(p, path.Dir(target)); derr == nil {
					real, err = path.Join(dir, path.Base(target)), nil
				}
			}
			if err != nil {
				t.status = 1
				continue
			}
			out = real
		default:
			n, err := t.v.lstat(target)
			if err != nil || n.Type != layer.TypeSymlink {
				t.status = 1
				continue
			}
			out = n.Linkname
		}
		if o.has('n') {
			t.print(out)
		} else {
			t.print(out + "\n")
		}
	}
	return t.status
}

// realpath path…
func realpathProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	if len(p.Args) < 2 {
		return t.usage("missing operand")
	}
	for _, a := range p.Args[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		real, err := p.Shell.realpath(p, t.abs(a))
		if err != nil {
			t.errorf("%s: %s", a, describe(err))
			continue
		}
		t.print(real + "\n")
	}
	return t.status
}
