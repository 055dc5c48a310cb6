package pkg

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
)

// gpg: keys are never fetched and signatures never checked (there is no
// network and a teaching download has no real signature); gpg says so in
// one line and succeeds, so a recipe that verifies its downloads goes on.
func gpgProg(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	var output, homedir string
	var action string
	var operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "--output", "-o":
			if i+1 < len(args) {
				i++
				output = args[i]
			}
		case "--keyserver", "--homedir", "--keyserver-options", "--trust-model", "--default-key", "--local-user", "-u", "--recipient", "-r", "--digest-algo", "--status-fd":
			if i+1 < len(args) {
				i++
				if a == "--homedir" {
					homedir = abs(p, args[i])
				}
			}
		case "--verify", "--recv-keys", "--recv-key", "--receive-keys", "--decrypt", "-d", "--dearmor", "--enarmor", "--export", "--import",
			"--list-keys", "-k", "--fingerprint", "--list-sigs", "--print-md", "--version", "--show-keys", "--fetch-keys":
			action = a
		default:
			if strings.HasPrefix(a, "--output=") {
				output = strings.TrimPrefix(a, "--output=")
			} else if !strings.HasPrefix(a, "-") {
				operands = append(operands, a)
			}
		}
	}
	home := env(p, "GNUPGHOME", env(p, "HOME", "/root")+"/.gnupg")
	if homedir != "" {
		home = homedir
	}
	if action != "--version" && action != "--dearmor" && action != "--enarmor" && action != "--print-md" {
		if !exists(p, home+"/pubring.kbx") {
			p.FS.MkdirAll(home, 0o700)
			p.FS.Chmod(home, 0o700)
			p.FS.WriteFile(home+"/pubring.kbx", []byte("KBXf "+shell.TeachingMark+"\n"), 0o644)
			p.FS.WriteFile(home+"/trustdb.gpg", []byte(shell.TeachingMark+"\n"), 0o600)
			fmt.Fprintf(p.Stderr, "gpg: keybox '%s/pubring.kbx' created\n", home)
		}
	}
	write := func(data []byte) int {
		if output == "" || output == "-" {
			p.Stdout.Write(data)
			return 0
		}
		if err := p.FS.WriteFile(abs(p, output), data, 0o644); err != nil {
			fmt.Fprintf(p.Stderr, "gpg: can't create '%s': %s\n", output, errText(err))
			return 2
		}
		return 0
	}
	readIn := func() []byte {
		if len(operands) > 0 {
			b, _ := p.FS.ReadFile(abs(p, operands[len(operands)-1]))
			return b
		}
		b, _ := readAllLimited(p.Stdin)
		return b
	}
	switch action {
	case "--version":
		fmt.Fprintln(p.Stdout, "gpg (GnuPG) 2.2.40\nlibgcrypt 1.10.1")
	case "--recv-keys", "--recv-key", "--receive-keys", "--fetch-keys":
		for _, k := range operands {
			fmt.Fprintf(p.Stderr, "layerlab: gpg: no network here; key %s was not fetched (noted as a teaching key)\n", k)
			p.FS.AppendFile(home+"/pubring.kbx", []byte("key "+k+"\n"), 0o644)
		}
	case "--verify":
		signed := ""
		if len(operands) > 1 {
			signed = operands[1]
		} else if len(operands) == 1 {
			signed = strings.TrimSuffix(strings.TrimSuffix(operands[0], ".asc"), ".sig")
		}
		fmt.Fprintf(p.Stderr, "layerlab: gpg --verify is not simulated; the signature of %s was not checked\n", signed)
	case "--decrypt", "-d":
		data := string(readIn())
		// a clear-signed text: what lies between the armor lines
		if i := strings.Index(data, "-----BEGIN PGP SIGNED MESSAGE-----"); i >= 0 {
			data = data[i:]
			if j := strings.Index(data, "\n\n"); j >= 0 {
				data = data[j+2:]
			}
			if j := strings.Index(data, "-----BEGIN PGP SIGNATURE-----"); j >= 0 {
				data = data[:j]
			}
		}
		fmt.Fprintln(p.Stderr, "layerlab: gpg: the signature was not checked (teaching download)")
		return write([]byte(data))
	case "--dearmor", "--enarmor", "--export":
		data := readIn()
		if action == "--export" {
			data = []byte(shell.TeachingMark + " key " + strings.Join(operands, " ") + "\n")
		}
		return write(data)
	case "--import":
		fmt.Fprintln(p.Stderr, "gpg: key imported (teaching key; nothing was checked)")
	case "--list-keys", "-k", "--fingerprint", "--list-sigs", "--show-keys", "--print-md":
	default:
		fmt.Fprintln(p.Stderr, "layerlab: gpg is not simulated; it ran as a no-op")
	}
	return 0
}

// gpgconf --kill all and friends: nothing runs, so nothing to stop.
func gpgconfProg(ctx context.Context, p *shell.Proc) int { return 0 }

// make: a teaching source tree (from a simulated download) compiles
// nothing, and its install targets put the project's files under the
// prefix configure recorded. Any other Makefile is not run.
func makeProg(ctx context.Context, p *shell.Proc) int {
	dir := p.Dir
	var targets []string
	prefix := ""
	makefile := ""
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-C" || a == "--directory":
			if i+1 < len(args) {
				i++
				dir = abs(p, args[i])
			}
		case strings.HasPrefix(a, "-C") && len(a) > 2:
			dir = abs(p, a[2:])
		case a == "-f" || a == "--file":
			if i+1 < len(args) {
				i++
				makefile = args[i]
			}
		case a == "-j" || a == "-l" || a == "-o" || a == "-W":
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && !strings.Contains(args[i+1], "=") && isNumber(args[i+1]) {
				i++
			}
		case strings.HasPrefix(a, "-"):
		case strings.Contains(a, "="):
			k, v, _ := strings.Cut(a, "=")
			if k == "PREFIX" || k == "prefix" {
				prefix = v
			}
		default:
			targets = append(targets, a)
		}
	}
	if p.Dir != dir {
		fmt.Fprintf(p.Stdout, "make: Entering directory '%s'\n", dir)
		defer fmt.Fprintf(p.Stdout, "make: Leaving directory '%s'\n", dir)
	}
	found := makefile != "" && exists(p, path.Join(dir, makefile))
	for _, n := range []string{"GNUmakefile", "makefile", "Makefile"} {
		found = found || exists(p, path.Join(dir, n))
	}
	if !found {
		if len(targets) == 0 {
			fmt.Fprintln(p.Stderr, "make: *** No targets specified and no makefile found.  Stop.")
		} else {
			fmt.Fprintf(p.Stderr, "make: *** No rule to make target '%s'.  Stop.\n", targets[0])
		}
		return 2
	}
	tree := path.Join(dir, ".teaching-install")
	if !exists(p, tree) {
		fmt.Fprintln(p.Stderr, "layerlab: make is not simulated; it ran as a no-op")
		return 0
	}
	install := false
	for _, t := range targets {
		install = install || strings.HasPrefix(t, "install")
	}
	if !install {
		fmt.Fprintln(p.Stderr, "layerlab: make: a teaching source tree; nothing was compiled")
		return 0
	}
	if prefix == "" {
		prefix = "/usr/local"
		if text, ok := readText(p, path.Join(dir, ".teaching-prefix")); ok && strings.TrimSpace(text) != "" {
			prefix = strings.TrimSpace(text)
		}
	}
	if err := copyTree(ctx, p, tree, prefix); err != nil {
		fmt.Fprintf(p.Stderr, "make: *** [Makefile: install] Error 1: %s\n", errText(err))
		return 2
	}
	fmt.Fprintf(p.Stderr, "layerlab: make: a teaching source tree; nothing was compiled, \"make install\" put its files under %s\n", prefix)
	return 0
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// copyTree copies a directory's contents into dst, keeping sizes.
func copyTree(ctx context.Context, p *shell.Proc, src, dst string) error {
	if err := p.FS.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := p.FS.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := path.Base(e.Path)
		s, d := path.Join(src, name), path.Join(dst, name)
		switch e.Type {
		case layer.TypeDir:
			if err := copyTree(ctx, p, s, d); err != nil {
				return err
			}
		case layer.TypeSymlink:
			p.FS.Remove(d)
			if err := p.FS.Symlink(e.Linkname, d); err != nil {
				return err
			}
		default:
			if err := p.FS.PutFile(d, e.Data, e.Size, e.Mode.Perm(), 0, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// dpkg-architecture -q VARIABLE
func dpkgArchitectureProg(ctx context.Context, p *shell.Proc) int {
	vals := map[string]string{
		"DEB_BUILD_ARCH": "amd64", "DEB_HOST_ARCH": "amd64", "DEB_TARGET_ARCH": "amd64",
		"DEB_BUILD_GNU_TYPE": "x86_64-linux-gnu", "DEB_HOST_GNU_TYPE": "x86_64-linux-gnu", "DEB_TARGET_GNU_TYPE": "x86_64-linux-gnu",
		"DEB_BUILD_MULTIARCH": "x86_64-linux-gnu", "DEB_HOST_MULTIARCH": "x86_64-linux-gnu",
		"DEB_BUILD_ARCH_BITS": "64", "DEB_HOST_ARCH_BITS": "64", "DEB_BUILD_ARCH_OS": "linux", "DEB_HOST_ARCH_OS": "linux",
		"DEB_BUILD_ARCH_CPU": "amd64", "DEB_HOST_ARCH_CPU": "amd64",
	}
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		q := ""
		switch {
		case a == "-q" || a == "--query":
			if i+1 < len(args) {
				i++
				q = args[i]
			}
		case strings.HasPrefix(a, "-q"):
			q = a[2:]
		case strings.HasPrefix(a, "--query="):
			q = strings.TrimPrefix(a, "--query=")
		}
		if q != "" {
			v, ok := vals[q]
			if !ok {
				fmt.Fprintf(p.Stderr, "dpkg-architecture: error: %s is not a supported variable name\n", q)
				return 255
			}
			fmt.Fprintln(p.Stdout, v)
			return 0
		}
	}
	for _, k := range sortedKeys(vals) {
		fmt.Fprintf(p.Stdout, "%s=%s\n", k, vals[k])
	}
	return 0
}
