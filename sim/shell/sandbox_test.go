package shell

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/layerlab/layerlab/sim/layer"
)

// hostDir makes a directory on the host with an executable marker file,
// a subdirectory and a symlink, all of which no script may ever see.
func hostDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "marker"), []byte("echo HOST-MARKER\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSandboxLeaks runs scripts that would reach the host through each of
// the interpreter's host-facing paths, and checks that none does.
func TestSandboxLeaks(t *testing.T) {
	host := hostDir(t)
	t.Setenv("LAYERLAB_HOST_SECRET", "host-secret-value")
	t.Setenv("TMPDIR", host)
	env := map[string]string{"PATH": host + ":/usr/bin:/bin", "HOSTNAME": "box"}
	for _, tc := range []struct {
		name, script, want string
	}{
		// the filesystem: stat, open, readdir, access
		{"test -e", "test -e $H/marker || [ -d $H ] || [ -x $H/marker ] || echo absent", "absent\n"},
		{"cat", "cat $H/marker", "cat: " + host + "/marker: No such file or directory\n"},
		{"ls", "ls $H", "ls: cannot access '" + host + "': No such file or directory\n"},
		{"redirect in", "read x < $H/marker", "/bin/sh: 1: cannot open " + host + "/marker: No such file\n"},
		{"cd", "cd $H/sub", "/bin/sh: 1: cd: can't cd to " + host + "/sub\n"},
		{"glob", "echo $H/*", host + "/*\n"},
		{"glob in /tmp", "touch /tmp/virtual; echo /tmp/*", "/tmp/virtual\n"},
		{"find", "find $H", "find: '" + host + "': No such file or directory\n"},
		// PATH lookups: exec, command -v, type, which, hash, source
		{"exec", "marker", "/bin/sh: 1: marker: not found\n"},
		{"command -v", "command -v marker || type marker || which marker || echo none", "marker: not found\nnone\n"},
		{"builtin command", "command command -v marker || builtin type marker || echo none", "marker: not found\nnone\n"},
		{"command -vv", "command -vv marker || command -v -v marker || command -pv marker || echo none", "none\n"},
		{"hash", "hash marker; echo $?", "0\n"},
		{"source path", ". $H/marker", "/bin/sh: 1: .: cannot open " + host + "/marker: No such file\n"},
		{"source PATH", ". marker", "/bin/sh: 1: .: cannot open marker: No such file\n"},
		// pwd -P resolves symlinks in the virtual tree, not the host's
		{"pwd -P", "mkdir -p $H/link && cd $H/link && pwd -P", host + "/link\n"},
		// test -O, -G and -ef ask the virtual filesystem
		{"test -O", "[ -O /etc/motd ] && [ -G /etc/motd ] && echo owned-by-root", "owned-by-root\n"},
		{"test -ef", "ln -s /etc/motd /m; [ /m -ef /etc/motd ] && echo same", "same\n"},
		// the environment is the image's alone
		{"env", "env; export -p; set | grep -c HOST_SECRET; echo \"[$LAYERLAB_HOST_SECRET]\"",
			"HOSTNAME=box\nPATH=" + host + ":/usr/bin:/bin\nexport HOSTNAME='box'\nexport PATH='" + host + ":/usr/bin:/bin'\n0\n[]\n"},
		{"home", "echo ~; cd; pwd", "/root\n/root\n"},
		{"tmpdir", "echo \"[$TMPDIR]\"", "[]\n"},
		{"ids", "echo $UID $EUID $GID $$ $PPID", "0 0 0 1 0\n"},
		{"~user", "echo ~daemon ~root", "~daemon /root\n"},
		// writes land in the overlay
		{"write", "echo hi > $H/new; echo hi >> $H/marker; cat $H/new", "/bin/sh: 1: cannot create " + host + "/new: Directory nonexistent\n/bin/sh: 1: cannot create " + host + "/marker: Directory nonexistent\ncat: " + host + "/new: No such file or directory\n"},
		{"fifo name", "echo x > " + host + "/sh-interp-1", "/bin/sh: 1: cannot create " + host + "/sh-interp-1: Directory nonexistent\n"},
		{"mkdir", "mkdir -p $H/made && ls -d $H/made", host + "/made\n"},
		// the umask is the shell's own
		{"umask", "umask 0777", ""},
		// symlinks resolve inside the virtual root
		{"escape", "ln -s ../../../../../etc/motd /tmp/esc; cat /tmp/esc", "welcome\n"},
		{"proc", "cat /proc/self/environ", "cat: /proc/self/environ: No such file or directory\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := syscall.Umask(0o022)
			syscall.Umask(before)
			e := map[string]string{"H": host}
			for k, v := range env {
				e[k] = v
			}
			script := "unset H; H=" + host + "; " + tc.script
			got, _, err := runIn(t, testImage(t), Config{Env: env}, script)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if strings.Contains(got, "HOST-MARKER") || strings.Contains(got, "host-secret-value") {
				t.Errorf("host content leaked: %q", got)
			}
			if after := syscall.Umask(before); after != before {
				t.Errorf("host umask changed from %o to %o", before, after)
			}
			entries, _ := os.ReadDir(host)
			if len(entries) != 3 {
				t.Errorf("host directory changed: %d entries", len(entries))
			}
			data, _ := os.ReadFile(filepath.Join(host, "marker"))
			if string(data) != "echo HOST-MARKER\n" {
				t.Errorf("host marker changed: %q", data)
			}
		})
	}
}

// TestProcessSubstitutionRefused checks that <(…) never runs: the
// interpreter would make a FIFO on the host for it.
func TestProcessSubstitutionRefused(t *testing.T) {
	host := t.TempDir()
	t.Setenv("TMPDIR", host)
	for _, script := range []string{
		"cat <(echo hi)",
		"echo ok; eval 'cat <(echo hi)'",
		"printf 'diff <(ls) <(ls)\\n' > /s.sh; bash /s.sh",
		"trap 'cat <(ls)' EXIT",
		"coproc cat",
	} {
		_, status, err := run(t, Bash, script)
		if !errors.Is(err, ErrRefused) || status != 2 {
			t.Errorf("%q: got status %d, error %v; want ErrRefused", script, status, err)
		}
		if entries, _ := os.ReadDir(host); len(entries) != 0 {
			t.Errorf("%q: made %d files in the host's TMPDIR", script, len(entries))
		}
	}
}

// TestUserOwnership checks that files belong to the configured user, that
// test -O answers for that user, and that root-owned paths are closed to
// others.
func TestUserOwnership(t *testing.T) {
	o := testImage(t)
	got, status, err := runIn(t, o, Config{UID: 1000, GID: 1000, Dir: "/home/app"},
		"echo $UID; touch mine; [ -O mine ] && echo owned; [ -O /etc/motd ] || echo not-owned; "+
			"ls -l mine; touch /etc/x; mkdir /root/x; echo y > /etc/motd; whoami; id")
	want := "1000\nowned\nnot-owned\n-rw-r--r-- 1 app app 0 Jan  1  1970 mine\n" +
		"touch: cannot touch '/etc/x': Permission denied\n" +
		"mkdir: cannot create directory '/root/x': Permission denied\n" +
		"/bin/sh: 1: cannot create /etc/motd: Permission denied\n" +
		"app\nuid=1000(app) gid=1000(app) groups=1000(app),50(staff)\n"
	if err != nil || got != want || status != 0 {
		t.Errorf("got %q (%d, %v)\nwant %q", got, status, err, want)
	}
}

// TestDirIsVirtual starts a shell in a directory that exists only in the
// image: the interpreter's Dir option would have looked for it on the host.
func TestDirIsVirtual(t *testing.T) {
	o := testImage(t, dir("srv/only-in-image", 0o755), reg("srv/only-in-image/f", "x", 0o644))
	got, _, err := runIn(t, o, Config{Dir: "/srv/only-in-image"}, "pwd; ls; cd /tmp; pwd")
	if want := "/srv/only-in-image\nf\n/tmp\n"; err != nil || got != want {
		t.Errorf("got %q (%v), want %q", got, err, want)
	}
}

// TestDeterministic runs the same scripts twice: pipelines, background
// jobs, $RANDOM and /dev/urandom must give the same bytes each time.
func TestDeterministic(t *testing.T) {
	script := `for i in 1 2 3; do echo $i $RANDOM | cat & done; wait
head -c 8 /dev/urandom | cat; (echo out; echo err >&2) | cat; echo $$ > /tmp/p; ls /tmp`
	var first string
	for i := range 5 {
		got, _, err := runIn(t, testImage(t), Config{Seed: 7}, script)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, got, first)
		}
	}
	other, _, _ := runIn(t, testImage(t), Config{Seed: 8}, script)
	if other == first {
		t.Errorf("another seed gave the same output: %q", first)
	}
}

// TestLargeFile checks that a teaching copy of a large binary keeps its
// size through cat, cp and wc without the simulator storing it.
func TestLargeFile(t *testing.T) {
	big := layer.Entry{Path: "usr/lib/big.so", Type: layer.TypeReg, Mode: 0o644, Size: 5 << 20, Data: []byte("\x7fELF")}
	o := testImage(t, dir("usr/lib", 0o755), big)
	got, _, err := runIn(t, o, Config{}, "cp /usr/lib/big.so /tmp/b; wc -c < /tmp/b; cat /tmp/b | wc -c; ls -lh /tmp/b")
	if want := strconv.Itoa(5<<20) + "\n" + strconv.Itoa(5<<20) + "\n-rw-r--r-- 1 root root 5.0M Jan  1  1970 /tmp/b\n"; err != nil || got != want {
		t.Errorf("got %q (%v), want %q", got, err, want)
	}
}

// TestPanicsBecomeErrors checks the two ways a run could panic below the
// shell: a NUL byte traced by set -x, and a simulated program's bug.
func TestPanicsBecomeErrors(t *testing.T) {
	_, status, err := run(t, Dash, "printf 'a\\0b\\n' > /n; read x < /n; sh -c 'set -x; echo \"$1\"' sh \"$x\"")
	if !errors.Is(err, ErrRefused) || status != 2 {
		t.Errorf("NUL under set -x: got %d %v, want ErrRefused", status, err)
	}
	progs := Coreutils()
	progs["crash"] = func(context.Context, *Proc) int { panic("boom") }
	o := testImage(t, reg("bin/crash", "\x7fELF", 0o755))
	_, status, err = runIn(t, o, Config{Programs: progs}, "echo before; crash; echo after")
	if err == nil || !strings.Contains(err.Error(), "the simulation of crash failed: boom") || status != 1 {
		t.Errorf("crashing program: got %d %v", status, err)
	}
}
