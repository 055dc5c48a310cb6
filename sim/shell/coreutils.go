package shell

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Coreutils returns the simulated base tools every image may have: files
// (mkdir, touch, rm, rmdir, cp, mv, ln, chmod, chown, chgrp), text (cat,
// echo, printf, head, tail, wc, sed, grep, tee), archives (tar), search
// (find, xargs, which), information (ls, id, whoami, env, printenv, pwd,
// uname, date, hostname, basename, dirname, readlink, realpath), control
// (true, false, yes, sleep, test, [) and the shells (sh, bash, dash, ash,
// busybox). A program runs only where the image has it on PATH. The map is
// new on each call; callers add their own programs to it.
func Coreutils() Programs {
	return Programs{
		"mkdir":    mkdirProg,
		"touch":    touchProg,
		"rm":       rmProg,
		"rmdir":    rmdirProg,
		"cp":       cpProg,
		"mv":       mvProg,
		"ln":       lnProg,
		"chmod":    chmodProg,
		"chown":    chownProg,
		"chgrp":    chownProg,
		"cat":      catProg,
		"echo":     echoProg,
		"printf":   printfProg,
		"head":     headProg,
		"tail":     tailProg,
		"wc":       wcProg,
		"sed":      sedProg,
		"grep":     grepProg,
		"egrep":    grepWith("-E"),
		"fgrep":    grepWith("-F"),
		"tee":      teeProg,
		"tar":      tarProg,
		"find":     findProg,
		"xargs":    xargsProg,
		"which":    whichProg,
		"ls":       lsProg,
		"id":       idProg,
		"whoami":   whoamiProg,
		"env":      envProg,
		"printenv": printenvProg,
		"pwd":      pwdProg,
		"uname":    unameProg,
		"date":     dateProg,
		"hostname": hostnameProg,
		"basename": basenameProg,
		"dirname":  dirnameProg,
		"readlink": readlinkProg,
		"realpath": realpathProg,
		"true":     trueProg,
		"false":    falseProg,
		"yes":      yesProg,
		"sleep":    sleepProg,
		"test":     testProg,
		"[":        testProg,
		"sh":       shProg,
		"bash":     shProg,
		"dash":     shProg,
		"ash":      shProg,
		"busybox":  busyboxProg,
		"adduser":  adduserProg,
		"useradd":  useraddProg,
		"addgroup": addgroupProg,
		"groupadd": addgroupProg,
		// checksums, temporary files, file status, text filters
		"sha256sum": sha256Prog,
		"sha512sum": sha512Prog,
		"sha1sum":   sha1Prog,
		"md5sum":    md5Prog,
		"mktemp":    mktempProg,
		"stat":      statProg,
		"nproc":     nprocProg,
		"tr":        trProg,
		"cut":       cutProg,
		"sort":      sortProg,
		"uniq":      uniqProg,
		"zip":       zipProg,
		"awk":       awkProg,
		"mawk":      awkProg,
		"gawk":      awkProg,
		"unzip":     unzipProg,
	}
}

// grepWith is egrep and fgrep: grep with a flag.
func grepWith(flag string) Program {
	return func(ctx context.Context, p *Proc) int {
		c := p.clone()
		c.Args = append([]string{"grep", flag}, p.Args[1:]...)
		return grepProg(ctx, c)
	}
}

// printenv [name…]
func printenvProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	if len(p.Args) < 2 {
		keys := make([]string, 0, len(p.Env))
		for k := range p.Env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(k + "=" + p.Env[k] + "\n")
		}
		t.print(b.String())
		return 0
	}
	status := 0
	for _, k := range p.Args[1:] {
		v, ok := p.Env[k]
		if !ok {
			status = 1
			continue
		}
		t.print(v + "\n")
	}
	return status
}

// shProg is a shell started as a program: sh -c 'script' [name [arg…]],
// sh script.sh [arg…], or a script on stdin. Its flavor follows its name:
// bash is bash, dash dash, ash ash, and sh is whatever the image's /bin/sh
// is.
func shProg(ctx context.Context, p *Proc) int {
	s := p.Shell
	invoked := p.Args[0]
	flavor := s.cfg.Flavor
	switch path.Base(invoked) {
	case "bash":
		flavor = Bash
	case "dash":
		flavor = Dash
	case "ash":
		flavor = Ash
	}
	args := p.Args[1:]
	var opts []string
	command := false
flags:
	for len(args) > 0 {
		a := args[0]
		switch {
		case a == "--" || a == "-":
			args = args[1:]
			break flags
		case a == "-o" || a == "+o":
			if len(args) < 2 {
				break flags
			}
			opts = append(opts, a, args[1])
			args = args[2:]
			continue
		case strings.HasPrefix(a, "--"):
			// --login, --norc, --posix, --noprofile: nothing to do here.
		case len(a) > 1 && (a[0] == '-' || a[0] == '+'):
			for _, c := range a[1:] {
				switch c {
				case 'c':
					command = true
				case 'e', 'x', 'u', 'f', 'n', 'a':
					opts = append(opts, string(a[0])+string(c))
				}
			}
		default:
			break flags
		}
		args = args[1:]
	}
	run := scriptRun{flavor: flavor, name: invoked, opts: opts}
	switch {
	case command:
		if len(args) == 0 {
			switch flavor {
			case Bash:
				fmt.Fprintf(p.Stderr, "%s: -c: option requires an argument\n", invoked)
			case Dash:
				fmt.Fprintf(p.Stderr, "%s: 0: -c requires an argument\n", invoked)
			default:
				fmt.Fprintf(p.Stderr, "%s: -c requires an argument\n", invoked)
			}
			return 2
		}
		run.text = args[0]
		if len(args) > 1 {
			run.name, run.params = args[1], args[2:]
		}
	case len(args) > 0:
		t := newTool(ctx, p)
		data, err := t.v.readFile(t.abs(args[0]))
		if err != nil {
			switch flavor {
			case Bash:
				fmt.Fprintf(p.Stderr, "%s: %s: %s\n", invoked, args[0], describe(err))
				return 127
			case Dash:
				fmt.Fprintf(p.Stderr, "%s: 0: cannot open %s: No such file\n", invoked, args[0])
			default:
				fmt.Fprintf(p.Stderr, "%s: can't open '%s': %s\n", invoked, args[0], describe(err))
			}
			return 2
		}
		run.text, run.name, run.params, run.file = string(data), args[0], args[1:], true
	default:
		data, err := readAllLimited(ctx, p)
		if err != nil {
			return 1
		}
		run.text = string(data)
	}
	return s.runScript(ctx, p, run)
}

// busybox applet [arg…] runs the applet's simulation.
func busyboxProg(ctx context.Context, p *Proc) int {
	// Run through a link (/usr/sbin/addgroup -> /bin/busybox), busybox is
	// the applet its argv[0] names, as the real multi-call binary decides.
	if invoked := path.Base(p.Args[0]); invoked != "busybox" {
		if prog := p.Shell.cfg.Programs[invoked]; prog != nil {
			return prog(ctx, p)
		}
		fmt.Fprintf(p.Stderr, "layerlab: %s is not simulated; it ran as a no-op\n", invoked)
		return 0
	}
	if len(p.Args) < 2 {
		fmt.Fprintln(p.Stdout, "BusyBox multi-call binary (simulated).\n\nUsage: busybox [function [arguments]...]")
		return 0
	}
	c := p.clone()
	c.Args = p.Args[1:]
	name := path.Base(c.Args[0])
	if prog := p.Shell.cfg.Programs[name]; prog != nil && name != "busybox" {
		return prog(ctx, c)
	}
	fmt.Fprintf(p.Stderr, "%s: applet not found\n", name)
	return 127
}
