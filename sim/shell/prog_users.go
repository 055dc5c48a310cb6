package shell

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// The account tools Dockerfiles use to make an unprivileged user: BusyBox's
// adduser and addgroup on Alpine, shadow's useradd and groupadd on Debian and
// Ubuntu (whose adduser is a wrapper taking --long options). They edit
// /etc/passwd, /etc/group and /etc/shadow in the layer and make the home
// directory, so a later USER resolves and files a RUN makes get that uid.

// userSpec is one account to add, whichever tool asked for it.
type userSpec struct {
	name, home, shell, group string
	gecos                    string
	uid, gid                 int // -1: pick the next free one
	system, makeHome         bool
	ownGroup                 bool // a group named like the user, as useradd -U and BusyBox do
}

// adduser: BusyBox's (-D -S -H -h -s -G -u -g) or Debian's (--disabled-password,
// --gecos, --uid, --gid, --home, --shell, --system, --no-create-home, --ingroup).
// "adduser USER GROUP" adds an existing user to a group.
func adduserProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	u := userSpec{uid: -1, gid: -1, makeHome: true, ownGroup: true, shell: "/bin/sh", gecos: "Linux User,,,"}
	var rest []string
	args := p.Args[1:]
	// Debian's adduser (a Perl script taking --long options) defaults to
	// bash and an empty name; BusyBox's to sh and "Linux User".
	for _, a := range args {
		if strings.HasPrefix(a, "--") {
			u.shell, u.gecos = "/bin/bash", ",,,"
			break
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch a {
		case "-D", "--disabled-password", "--disabled-login", "--quiet", "-q":
		case "-S", "--system":
			u.system = true
		case "-H", "--no-create-home":
			u.makeHome = false
		case "-h", "--home":
			u.home = val()
		case "-s", "--shell":
			u.shell = val()
		case "-G", "--ingroup":
			u.group, u.ownGroup = val(), false
		case "-u", "--uid":
			u.uid = atoiOr(val(), -1)
		case "--gid":
			u.gid, u.ownGroup = atoiOr(val(), -1), false
		case "-g", "--gecos":
			u.gecos = val()
		case "-k":
			val()
		default:
			if strings.HasPrefix(a, "-") {
				return t.usage("unrecognized option '%s'", a)
			}
			rest = append(rest, a)
		}
	}
	switch len(rest) {
	case 1:
		u.name = rest[0]
	case 2:
		return addMember(t, rest[0], rest[1])
	default:
		return t.usage("missing user name")
	}
	return addUser(t, u)
}

// useradd [-m] [-M] [-r] [-u UID] [-g GROUP] [-d HOME] [-s SHELL] [-U|-N] NAME
func useraddProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	u := userSpec{uid: -1, gid: -1, ownGroup: true, shell: "/bin/sh"} // shadow leaves the comment empty
	args := expandLong(p.Args[1:], useraddLong, useraddValued)
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch a {
		case "-m", "--create-home":
			u.makeHome = true
		case "-M", "--no-create-home":
			u.makeHome = false
		case "-r", "--system":
			u.system = true
		case "-u", "--uid":
			u.uid = atoiOr(val(), -1)
		case "-g", "--gid":
			u.group, u.ownGroup = val(), false
		case "-d", "--home-dir":
			u.home = val()
		case "-s", "--shell":
			u.shell = val()
		case "-U", "--user-group":
			u.ownGroup = true
		case "-N", "--no-user-group":
			u.ownGroup = false
		case "-c", "--comment":
			u.gecos = val()
		case "-G", "--groups", "-p", "--password":
			val()
		case "-l", "--no-log-init", "-o", "--non-unique":
		default:
			if strings.HasPrefix(a, "-") || u.name != "" {
				return t.usage("invalid option '%s'", a)
			}
			u.name = a
		}
	}
	if u.name == "" {
		return t.usage("missing user name")
	}
	return addUser(t, u)
}

// addgroup [-g GID] [-S] GROUP, or addgroup USER GROUP (BusyBox); groupadd
// [-g GID] [-r] GROUP. Debian's addgroup takes --gid and --system.
func addgroupProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	gid, system := -1, false
	var rest []string
	args := p.Args[1:]
	if p.Args[0] == "groupadd" || strings.HasSuffix(p.Args[0], "/groupadd") {
		args = expandLong(args, groupaddLong, groupaddValued)
	}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-g", "--gid":
			if i+1 < len(args) {
				i++
				gid = atoiOr(args[i], -1)
			}
		case "-S", "-r", "--system":
			system = true
		case "-f", "--force", "-q", "--quiet":
		default:
			if strings.HasPrefix(a, "-") {
				return t.usage("unrecognized option '%s'", a)
			}
			rest = append(rest, a)
		}
	}
	switch {
	case len(rest) == 2 && t.name == "addgroup":
		return addMember(t, rest[0], rest[1])
	case len(rest) != 1:
		return t.usage("missing group name")
	}
	if _, ok := groupByName(t.p.FS, rest[0]); ok {
		t.errorf("group '%s' in use", rest[0])
		return 1
	}
	if gid < 0 {
		gid = nextID(accounts(t.p.FS, "/etc/group"), system)
	}
	if !t.appendLine("/etc/group", fmt.Sprintf("%s:x:%d:", rest[0], gid)) {
		return 1
	}
	return 0
}

func addUser(t *tool, u userSpec) int {
	fsys := t.p.FS
	if t.p.UID != 0 {
		t.errorf("permission denied (are you root?)")
		return 1
	}
	if _, ok := userByName(fsys, u.name); ok {
		t.errorf("user '%s' in use", u.name)
		return 1
	}
	if u.uid < 0 {
		u.uid = nextID(accounts(fsys, "/etc/passwd"), u.system)
	}
	switch {
	case u.group != "":
		g, ok := groupByName(fsys, u.group)
		if !ok {
			if id, err := strconv.Atoi(u.group); err == nil {
				g, ok = account{id: id}, true
			}
		}
		if !ok {
			t.errorf("unknown group %s", u.group)
			return 1
		}
		u.gid = g.id
	case u.ownGroup:
		if g, ok := groupByName(fsys, u.name); ok {
			u.gid = g.id
		} else {
			u.gid = u.uid
			if _, taken := groupByID(fsys, u.gid); taken {
				u.gid = nextID(accounts(fsys, "/etc/group"), u.system)
			}
			if !t.appendLine("/etc/group", fmt.Sprintf("%s:x:%d:", u.name, u.gid)) {
				return 1
			}
		}
	case u.gid < 0:
		u.gid = 100 // "users", where useradd -N puts a user
	}
	if u.home == "" {
		u.home = "/home/" + u.name
	}
	if !t.appendLine("/etc/passwd", fmt.Sprintf("%s:x:%d:%d:%s:%s:%s", u.name, u.uid, u.gid, u.gecos, u.home, u.shell)) {
		return 1
	}
	if _, err := fsys.Stat("/etc/shadow"); err == nil {
		if !t.appendLine("/etc/shadow", u.name+":!:19993:0:99999:7:::") {
			return 1
		}
	}
	if u.makeHome {
		if err := fsys.MkdirAll(u.home, 0o755); err != nil {
			t.errorf("cannot create %s: %s", u.home, describe(err))
			return 1
		}
		if err := fsys.Chown(u.home, u.uid, u.gid); err != nil {
			t.errorf("cannot change owner of %s: %s", u.home, describe(err))
			return 1
		}
	}
	return 0
}

// addMember appends user to group's member list.
func addMember(t *tool, user, group string) int {
	fsys := t.p.FS
	if _, ok := userByName(fsys, user); !ok {
		t.errorf("unknown user %s", user)
		return 1
	}
	data, err := fsys.ReadFile("/etc/group")
	if err != nil {
		t.errorf("/etc/group: %s", describe(err))
		return 1
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	found := false
	for i, l := range lines {
		f := strings.Split(l, ":")
		if len(f) != 4 || f[0] != group {
			continue
		}
		found = true
		if f[3] == "" {
			f[3] = user
		} else {
			f[3] += "," + user
		}
		lines[i] = strings.Join(f, ":")
	}
	if !found {
		t.errorf("unknown group %s", group)
		return 1
	}
	if err := fsys.WriteFile("/etc/group", []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.errorf("/etc/group: %s", describe(err))
		return 1
	}
	return 0
}

// appendLine adds one line to an account file, creating it if needed.
func (t *tool) appendLine(file, line string) bool {
	fsys := t.p.FS
	data, err := fsys.ReadFile(file)
	if err == nil && len(data) > 0 && !strings.HasSuffix(string(data), "\n") {
		line = "\n" + line
	}
	if err != nil {
		err = fsys.WriteFile(file, []byte(line+"\n"), 0o644)
	} else {
		err = fsys.AppendFile(file, []byte(line+"\n"), 0o644)
	}
	if err != nil {
		t.errorf("%s: %s", file, describe(err))
		return false
	}
	return true
}

// nextID is the id the tools pick: one past the highest in use, from 1000 for
// ordinary accounts and from 100 (below 1000) for system ones.
func nextID(accs []account, system bool) int {
	lo, hi := 1000, 60000
	if system {
		lo, hi = 100, 999
	}
	next := lo
	for _, a := range accs {
		if a.id >= next && a.id < hi {
			next = a.id + 1
		}
	}
	return next
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return def
	}
	return n
}
