package shell

import (
	"strings"
	"testing"
)

// runTests are scripts run in a fresh copy of testImage, with the output
// (stdout and stderr as written) and exit status they must give.
var runTests = []struct {
	fl     Flavor
	script string
	want   string
	status int
}{
	// builtins and status
	{Dash, "echo hi", "hi\n", 0},
	{Dash, "true", "", 0},
	{Dash, "false", "", 1},
	{Dash, "exit 3", "", 3},
	{Dash, "x=1; y=$((x + 2)); echo $y", "3\n", 0},
	{Dash, "f() { echo \"f:$1\"; return 4; }; f a; echo $?", "f:a\n4\n", 0},
	{Dash, "for i in 1 2 3; do printf '%s.' $i; done; echo", "1.2.3.\n", 0},
	{Dash, "set -e; false; echo never", "", 1},
	{Dash, "set -e; ! true; for i in a; do echo $i; done; while false; do :; done; echo end", "a\nend\n", 0},
	{Dash, "false; for i in a; do echo $?; done; true; for i in b; do echo $?; done", "1\n0\n", 0},
	{Dash, "read a b; echo $?", "1\n", 0},

	// pipelines run one side after the other
	{Dash, "echo a b | wc -w", "2\n", 0},
	{Dash, "printf 'b\\na\\n' | grep a | cat", "a\n", 0},
	{Dash, "false | true; echo $?", "0\n", 0},
	{Dash, "true | false; echo $?", "1\n", 0},
	{Dash, "! false | false; echo $?", "0\n", 0},
	{Dash, "set -e; false | true; echo after", "after\n", 0},
	{Dash, "set -e; ! true | false; echo after", "after\n", 0},
	{Dash, "echo x | read v; echo \"[$v]\"", "[]\n", 0},
	{Bash, "set -o pipefail; (exit 3) | true; echo $?", "3\n", 0},
	{Bash, "set -o pipefail; false | (exit 4); echo $?", "4\n", 0},
	{Bash, "set -eo pipefail; false | true; echo never", "", 1},
	{Bash, "echo err >&2 |& cat", "err\n", 0},
	{Dash, "yes | head -n 2", "y\ny\n", 0},
	{Bash, "set -o pipefail; yes | head -n 1; echo $?", "y\n141\n", 0},
	{Dash, "f() { echo $1; [ $1 -lt 3 ] && f $(( $1 + 1 )) | cat; }; f 1", "1\n2\n3\n", 0},
	{Dash, "set -x; echo a | cat", "+ echo a\n+ cat\na\n", 0},
	{Dash, "echo $(echo a | tr a b 2>/dev/null; echo c)", "b c\n", 0},

	// background jobs run in the foreground, with a note
	{Dash, "echo a & wait; echo b", "layerlab: a background job (&) ran in the foreground: the simulator runs one command at a time\na\nb\n", 0},

	// redirections and the devices every container has
	{Dash, "echo hi > /tmp/x; cat /tmp/x", "hi\n", 0},
	{Dash, "echo a > /f; echo b >> /f; cat < /f", "a\nb\n", 0},
	{Dash, "for i in 1 2 3; do echo $i; done > /f; wc -l < /f", "3\n", 0},
	{Dash, "echo hi > /dev/null; echo out > /dev/stdout; echo err > /dev/stderr", "out\nerr\n", 0},
	{Dash, "cat /dev/null; head -c 3 /dev/zero | wc -c", "3\n", 0},
	{Dash, "cat <<EOF\nhello $HOME\nEOF", "hello /root\n", 0},
	{Bash, "cat <<< 'here string'", "here string\n", 0},
	{Dash, "echo hi > /nope/x", "/bin/sh: 1: cannot create /nope/x: Directory nonexistent\n", 1},
	{Ash, "echo hi > /nope/x", "/bin/sh: can't create /nope/x: nonexistent directory\n", 1},
	{Bash, "echo hi > /nope/x", "/bin/sh: line 1: /nope/x: No such file or directory\n", 1},
	{Dash, "cat < /nope", "/bin/sh: 1: cannot open /nope: No such file\n", 1},
	{Dash, "echo x > /etc", "/bin/sh: 1: cannot create /etc: Is a directory\n", 1},
	{Dash, "echo x > /dev/tty", "/bin/sh: 1: cannot create /dev/tty: No such device or address\n", 1},

	// a program exists only where the image has it on PATH
	{Dash, "apt-get install -y curl", "/bin/sh: 1: apt-get: not found\n", 127},
	{Ash, "apt-get install -y curl", "/bin/sh: apt-get: not found\n", 127},
	{Bash, "apt-get install -y curl", "/bin/sh: line 1: apt-get: command not found\n", 127},
	{Dash, "echo ok\nnosuch", "ok\n/bin/sh: 2: nosuch: not found\n", 127},
	{Dash, "/bin/ls /app; PATH=/usr/bin; ls", "/bin/sh: 1: ls: not found\n", 127},
	{Dash, "/usr/bin/mystery a b; echo $?", "layerlab: /usr/bin/mystery is not simulated; it ran as a no-op\n0\n", 0},
	{Dash, "/app", "/bin/sh: 1: /app: Permission denied\n", 126},
	{Bash, "/app", "/bin/sh: line 1: /app: Is a directory\n", 126},
	{Dash, "/etc/motd", "/bin/sh: 1: /etc/motd: Permission denied\n", 126},
	{Dash, "./nope", "/bin/sh: 1: ./nope: not found\n", 127},
	{Bash, "./nope", "/bin/sh: line 1: ./nope: No such file or directory\n", 127},

	// scripts: #! lines, scripts without one, sh script.sh, sh -c
	{Dash, "printf '#!/bin/sh\\necho script $1 $0\\n' > /app/r.sh; chmod +x /app/r.sh; /app/r.sh one; cd /app && ./r.sh two", "script one /app/r.sh\nscript two ./r.sh\n", 0},
	{Dash, "printf 'echo plain\\n' > /app/p.sh; chmod 755 /app/p.sh; /app/p.sh", "plain\n", 0},
	{Dash, "printf 'echo $1\\nnosuch\\n' > /s.sh; sh /s.sh arg", "arg\n/s.sh: 2: nosuch: not found\n", 127},
	{Dash, "sh /nope.sh", "sh: 0: cannot open /nope.sh: No such file\n", 2},
	{Dash, "bash /nope.sh", "bash: /nope.sh: No such file or directory\n", 127},
	{Dash, "sh -c 'echo $0 $1' name arg", "name arg\n", 0},
	{Dash, "sh -c 'exit 5'; echo $?", "5\n", 0},
	{Dash, "sh -c 'nosuch'", "sh: 1: nosuch: not found\n", 127},
	{Dash, "bash -c 'nosuch'", "bash: line 1: nosuch: command not found\n", 127},
	{Dash, "bash -c '[[ -d /app ]] && echo bash'", "bash\n", 0},
	{Dash, "sh -c", "sh: 0: -c requires an argument\n", 2},
	{Dash, "printf '#!/bin/zsh\\necho z\\n' > /z.sh; chmod +x /z.sh; /z.sh", "/bin/sh: 1: /z.sh: not found\n", 127},
	{Bash, "printf '#!/bin/zsh\\necho z\\n' > /z.sh; chmod +x /z.sh; /z.sh", "/bin/sh: line 1: /z.sh: cannot execute: required file not found\n", 127},
	{Dash, "echo 'echo from stdin' | sh", "from stdin\n", 0},
	{Dash, "env echo via env", "via env\n", 0},
	{Dash, "[ -d /app ] && /bin/[ -d /app ] && test -f /etc/motd && echo ok", "ok\n", 0},

	// dash and ash are not bash
	{Dash, "echo 'a\\tb'", "a\tb\n", 0},
	{Bash, "echo 'a\\tb'", "a\\tb\n", 0},
	{Dash, "echo -e x", "-e x\n", 0},
	{Dash, "mkdir -p /x/{a,b}; ls /x", "{a,b}\n", 0},
	{Ash, "mkdir -p /x/{a,b}; ls /x", "{a,b}\n", 0},
	{Bash, "mkdir -p /x/{a,b}; ls /x", "a\nb\n", 0},
	{Dash, "for i in {1..3}; do echo $i; done", "{1..3}\n", 0},
	{Dash, "[[ -f /etc/motd ]] && echo yes", "/bin/sh: 1: [[: not found\n", 127},
	{Ash, "[[ -f /etc/motd ]] && echo yes", "yes\n", 0},
	{Bash, "[[ -f /etc/motd ]] && echo yes", "yes\n", 0},
	{Dash, "source /etc/motd", "/bin/sh: 1: source: not found\n", 127},
	{Dash, "declare x=1", "/bin/sh: 1: declare: not found\n", 127},
	{Dash, "a=(1 2)", "/bin/sh: 1: Syntax error: bash-only syntax: arrays\n", 2},
	{Dash, "time ls /app", "/bin/sh: 1: time: not found\n", 127},
	{Bash, "time sleep 2", "\nreal\t0m2.000s\nuser\t0m0.000s\nsys\t0m0.000s\n", 0},
	{Dash, "f() { local x=1; echo $x; }; f; export A=1; env | grep A=", "1\nA=1\n", 0},
	{Dash, "export -p | head -n 1; readonly R=1; echo $R", "export HOME='/root'\n1\n", 0},
	{Bash, "export -p | head -n 1", "declare -x HOME=\"/root\"\n", 0},

	// cd, pwd and the shell's own messages
	{Dash, "cd /app && pwd && cd .. && pwd && cd - ", "/app\n/\n/app\n", 0},
	{Dash, "cd /nope", "/bin/sh: 1: cd: can't cd to /nope\n", 2},
	{Ash, "cd /nope", "/bin/sh: cd: can't cd to /nope: No such file or directory\n", 2},
	{Bash, "cd /nope", "/bin/sh: line 1: cd: /nope: No such file or directory\n", 1},
	{Dash, "cd /etc/motd", "/bin/sh: 1: cd: can't cd to /etc/motd\n", 2},
	{Dash, "ln -s /app /lnk; cd /lnk; pwd; pwd -P; /bin/pwd", "/lnk\n/app\n/app\n", 0},
	{Dash, "cd; pwd; echo ~ ~app ~nobody", "/root\n/root /home/app ~nobody\n", 0},
	{Dash, "type ls cd if export nosuch", "ls is /bin/ls\ncd is a shell builtin\nif is a shell keyword\nexport is a special shell builtin\nnosuch: not found\n", 127},
	{Bash, "type ls nosuch", "ls is /bin/ls\n/bin/sh: line 1: type: nosuch: not found\n", 1},
	{Dash, "f() { :; }; command -v ls cd f nosuch; echo $?", "/bin/ls\ncd\nf\n1\n", 0},
	{Dash, "umask; umask 077; touch /tmp/f; ls -l /tmp/f; umask -S", "0022\n-rw------- 1 root root 0 Jan  1  1970 /tmp/f\nu=rwx,g=,o=\n", 0},
	{Dash, "ulimit -n; kill -0 1; echo $?", "1048576\n0\n", 0},

	// eval, source and trap run rewritten code too
	{Dash, "eval 'echo a | wc -c'", "2\n", 0},
	{Dash, "eval 'nosuch'", "/bin/sh: 1: nosuch: not found\n", 127},
	{Dash, "printf 'V=1\\necho sourced $1 | cat\\n' > /lib.sh; . /lib.sh x; echo $V", "sourced x\n1\n", 0},
	{Dash, ". /nope.sh", "/bin/sh: 1: .: cannot open /nope.sh: No such file\n", 2},
	{Bash, "source /nope.sh", "/bin/sh: line 1: /nope.sh: No such file or directory\n", 1},
	{Dash, "trap 'echo bye | cat' EXIT TERM; echo hi", "hi\nbye\n", 0},

	// $$, $PPID and $RANDOM are reproducible
	{Dash, "echo $$ $PPID ${$}", "1 0 1\n", 0},
	{Dash, "a=$RANDOM; b=$RANDOM; [ \"$a\" != \"$b\" ] && [ $a -lt 32768 ] && echo ok", "ok\n", 0},
	{Bash, "((RANDOM++)); x=$((RANDOM % 1)); ((y = RANDOM * 0)); echo $x $y", "0 0\n", 0},

	// file tests answer from the virtual filesystem and the configured user
	{Dash, "test -O /etc/motd && [ -G /tmp ] && [ /etc/motd -ef /etc/../etc/motd ] && echo ok", "ok\n", 0},
	{Bash, "[[ -O /etc/motd && /etc/motd -ef /etc/./motd ]] && echo ok", "ok\n", 0},
	{Dash, "[ -x /bin/ls ] && [ -r /etc/motd ] && ! [ -x /etc/motd ] && echo ok", "ok\n", 0},
}

func TestRun(t *testing.T) {
	for _, tc := range runTests {
		got, status, err := run(t, tc.fl, tc.script)
		if err != nil {
			t.Errorf("%v %q: unexpected error %v", tc.fl, tc.script, err)
			continue
		}
		if got != tc.want || status != tc.status {
			t.Errorf("%v %q:\ngot  %q (status %d)\nwant %q (status %d)", tc.fl, tc.script, got, status, tc.want, tc.status)
		}
	}
}

// TestArgv0 checks that the shell names itself as configured, as bash does
// for SHELL ["/bin/bash", "-c"].
func TestArgv0(t *testing.T) {
	got, status, _ := runIn(t, testImage(t), Config{Flavor: Bash, Argv0: "bash"}, "apt-get update")
	if want := "bash: line 1: apt-get: command not found\n"; got != want || status != 127 {
		t.Errorf("got %q (%d), want %q (127)", got, status, want)
	}
}

// TestRunArgv runs exec-form commands, which have no shell to parse them.
func TestRunArgv(t *testing.T) {
	for _, tc := range []struct {
		argv   []string
		want   string
		status int
		err    string
	}{
		{[]string{"echo", "$HOME", "a|b"}, "$HOME a|b\n", 0, ""},
		{[]string{"/bin/sh", "-c", "echo $HOME"}, "/root\n", 0, ""},
		{[]string{"bash", "-o", "pipefail", "-c", "false | true"}, "", 1, ""},
		{[]string{"nosuch"}, "", 127, `exec: "nosuch": executable file not found in $PATH`},
		{[]string{"/app"}, "", 126, `exec: "/app": is a directory`},
		{[]string{"sleep", "infinity"}, "", 0, "sleep keeps running until it is stopped"},
	} {
		var out strings.Builder
		sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), Stdout: &out, Stderr: &out})
		status, err := sh.RunArgv(t.Context(), tc.argv)
		errText := ""
		if err != nil {
			errText = err.Error()
		}
		if out.String() != tc.want || status != tc.status || errText != tc.err {
			t.Errorf("%q: got %q %d %q, want %q %d %q", tc.argv, out.String(), status, errText, tc.want, tc.status, tc.err)
		}
	}
}

// TestStdin feeds the script's standard input.
func TestStdin(t *testing.T) {
	got, status, err := runIn(t, testImage(t), Config{Stdin: strings.NewReader("line1\nline2\nline3\n")},
		"read a; echo \"[$a]\"; head -n 1; cat | wc -l; exec echo replaced; echo never")
	// head reads more than it prints from a pipe, as the real one does.
	if want := "[line1]\nline2\n0\nreplaced\n"; got != want || status != 0 || err != nil {
		t.Errorf("got %q %d %v, want %q", got, status, err, want)
	}
}

// TestTrapped reports the signals a script installed handlers for.
func TestTrapped(t *testing.T) {
	sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils()})
	if _, err := sh.Run(t.Context(), "trap 'exit 0' TERM SIGINT; trap '' HUP; trap 'echo bye' EXIT"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sh.Trapped(), ","); got != "INT,TERM" {
		t.Errorf("Trapped() = %q, want INT,TERM", got)
	}
}
