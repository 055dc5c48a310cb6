package shell

import "testing"

// coreutilsTests run the simulated programs in testImage (a Debian-like
// image; ash runs the same simulations with BusyBox's wording of errors).
var coreutilsTests = []struct {
	fl     Flavor
	script string
	want   string
	status int
}{
	// mkdir, touch, rm, rmdir
	{Dash, "mkdir /a/b", "mkdir: cannot create directory '/a/b': No such file or directory\n", 1},
	{Ash, "mkdir /a/b", "mkdir: can't create directory '/a/b': No such file or directory\n", 1},
	{Dash, "mkdir /etc", "mkdir: cannot create directory '/etc': File exists\n", 1},
	{Dash, "mkdir -p /a/b/c /a/b && mkdir -m 700 /m && ls -ld /a/b/c /m", "drwxr-xr-x 2 root root 4096 Jan  1  1970 /a/b/c\ndrwx------ 2 root root 4096 Jan  1  1970 /m\n", 0},
	{Dash, "mkdir -p /etc/motd/x", "mkdir: cannot create directory '/etc/motd/x': Not a directory\n", 1},
	{Dash, "mkdir", "mkdir: missing operand\nTry 'mkdir --help' for more information.\n", 1},
	{Dash, "touch /t && ls /t && touch -c /u && ls /u", "/t\nls: cannot access '/u': No such file or directory\n", 2},
	{Dash, "rm /x", "rm: cannot remove '/x': No such file or directory\n", 1},
	{Ash, "rm /x", "rm: can't remove '/x': No such file or directory\n", 1},
	{Dash, "rm -f /x; echo $?", "0\n", 0},
	{Dash, "rm /app", "rm: cannot remove '/app': Is a directory\n", 1},
	{Dash, "rm -rf /", "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n", 1},
	{Dash, "mkdir -p /a/b/c && touch /a/b/c/f && rmdir /a/b/c; rm -r /a && ls /a", "rmdir: failed to remove '/a/b/c': Directory not empty\nls: cannot access '/a': No such file or directory\n", 2},
	{Dash, "mkdir -p /a/b && rmdir -p /a/b && ls /a", "ls: cannot access '/a': No such file or directory\n", 2},

	// cp, mv, ln
	{Dash, "cp /etc/motd /tmp/ && cat /tmp/motd", "welcome\n", 0},
	{Dash, "cp /etc /tmp", "cp: -r not specified; omitting directory '/etc'\n", 1},
	{Dash, "cp -r /etc /tmp/e && ls /tmp/e", "group\nhostname\nmotd\npasswd\n", 0},
	{Dash, "cp a b c", "cp: target 'c' is not a directory\n", 1},
	{Dash, "cp /nope /x", "cp: cannot stat '/nope': No such file or directory\n", 1},
	{Dash, "cp /etc/motd", "cp: missing destination file operand after '/etc/motd'\nTry 'cp --help' for more information.\n", 1},
	{Dash, "chmod 600 /etc/motd; cp /etc/motd /a; cp -p /etc/motd /b; ls -l /a /b", "-rw------- 1 root root 8 Jan  1  1970 /a\n-rw------- 1 root root 8 Jan  1  1970 /b\n", 0},
	{Dash, "cp -r /etc /etc/sub", "cp: cannot copy a directory, '/etc', into itself, '/etc/sub'\n", 1},
	{Dash, "mv /etc/motd /tmp/m && ls /tmp && cat /etc/motd", "m\ncat: /etc/motd: No such file or directory\n", 1},
	{Dash, "mkdir /d && mv /etc /d/ && ls /d/etc | head -n 1", "group\n", 0},
	{Dash, "mv /nope /x", "mv: cannot stat '/nope': No such file or directory\n", 1},
	{Dash, "ln -s /etc/motd /tmp/l && cat /tmp/l && ls -l /tmp/l && readlink /tmp/l", "welcome\nlrwxrwxrwx 1 root root 9 Jan  1  1970 /tmp/l -> /etc/motd\n/etc/motd\n", 0},
	{Dash, "ln -s /x /etc/motd", "ln: failed to create symbolic link '/etc/motd': File exists\n", 1},
	{Dash, "ln -sf /etc/passwd /etc/motd && head -n 1 /etc/motd", "root:x:0:0:root:/root:/bin/bash\n", 0},
	{Dash, "ln -s /etc/motd /app && ls /app", "motd\n", 0},
	{Dash, "ln /etc/motd /tmp/h && cat /tmp/h", "welcome\n", 0},

	// chmod, chown
	{Dash, "chmod 600 /etc/motd; chmod u+x,g+w /etc/motd; ls -l /etc/motd; chmod +x /etc/motd; ls -l /etc/motd", "-rwx-w---- 1 root root 8 Jan  1  1970 /etc/motd\n-rwx-wx--x 1 root root 8 Jan  1  1970 /etc/motd\n", 0},
	{Dash, "chmod 4755 /etc/motd; chmod -x /etc/motd; ls -l /etc/motd", "-rwSr--r-- 1 root root 8 Jan  1  1970 /etc/motd\n", 0},
	{Dash, "chmod a=r,u+w /etc/motd; ls -l /etc/motd; chmod -R go-rwx /home; ls -ld /home/app", "-rw-r--r-- 1 root root 8 Jan  1  1970 /etc/motd\ndrwx------ 2 app app 4096 Jan  1  1970 /home/app\n", 0},
	{Dash, "chmod zz /etc/motd", "chmod: invalid mode: 'zz'\n", 1},
	{Dash, "chmod 644 /nope", "chmod: cannot access '/nope': No such file or directory\n", 1},
	{Dash, "chown app:staff /etc/motd; ls -l /etc/motd; chown 5:6 /etc/motd; ls -ln /etc/motd", "-rw-r--r-- 1 app staff 8 Jan  1  1970 /etc/motd\n-rw-r--r-- 1 5 6 8 Jan  1  1970 /etc/motd\n", 0},
	{Dash, "chown app: /etc/motd; chgrp staff /etc/motd; ls -l /etc/motd", "-rw-r--r-- 1 app staff 8 Jan  1  1970 /etc/motd\n", 0},
	{Dash, "chown nobody /etc/motd", "chown: invalid user: 'nobody'\n", 1},
	{Dash, "chown -R app /home && ls -l /home", "total 4\ndrwxr-xr-x 2 app app 4096 Jan  1  1970 app\n", 0},

	// cat, head, tail, wc, tee
	{Dash, "cat -n /etc/passwd", "     1\troot:x:0:0:root:/root:/bin/bash\n     2\tapp:x:1000:1000::/home/app:/bin/sh\n", 0},
	{Dash, "cat /nope /etc/hostname", "cat: /nope: No such file or directory\nbox\n", 1},
	{Dash, "cat /etc", "cat: /etc: Is a directory\n", 1},
	{Dash, "printf '1\\n2\\n3\\n4\\n' > /n; head -n 2 /n; tail -n 1 /n; tail -n +3 /n; head -3 /n | tail -1; head -c 3 /n", "1\n2\n4\n3\n4\n3\n1\n2", 0},
	{Dash, "printf '1\\n2\\n' > /n; head -n -1 /n; tail -c 2 /n", "1\n2\n", 0},
	{Dash, "head -n 1 /etc/motd /etc/hostname", "==> /etc/motd <==\nwelcome\n\n==> /etc/hostname <==\nbox\n", 0},
	{Dash, "head /nope", "head: cannot open '/nope' for reading: No such file or directory\n", 1},
	{Dash, "head -n x /etc/motd", "head: invalid number of lines: 'x'\n", 1},
	{Dash, "wc /etc/passwd; wc -l /etc/passwd; wc -l < /etc/passwd; cat /etc/passwd | wc", " 2  2 67 /etc/passwd\n2 /etc/passwd\n2\n      2       2      67\n", 0},
	{Dash, "wc -c /etc/motd /etc/hostname", " 8 /etc/motd\n 4 /etc/hostname\n12 total\n", 0},
	{Dash, "echo hi | tee /t1 /t2 > /dev/null; cat /t1 /t2; echo more | tee -a /t1; cat /t1", "hi\nhi\nmore\nhi\nmore\n", 0},

	// sed and grep
	{Dash, "printf 'a\\nb\\nc\\n' > /f; sed -i 's/b/B/' /f; cat /f", "a\nB\nc\n", 0},
	{Dash, "printf 'a\\nb\\nc\\n' > /f; sed -n '2p' /f; sed '/a/d' /f; sed '2,3d' /f", "b\nb\nc\na\n", 0},
	{Dash, "echo 'aaa bbb' | sed 's/a/x/g; s/b/y/2'", "xxx byb\n", 0},
	{Dash, "echo 'key=val' | sed -e 's/\\(.*\\)=\\(.*\\)/\\2=\\1/'", "val=key\n", 0},
	{Dash, "echo 'a.b' | sed -E 's/(a)\\.(b)/\\2\\1/; s|b|[&]|'", "[b]a\n", 0},
	{Dash, "echo path | sed 's#path#/usr/bin#'", "/usr/bin\n", 0},
	{Dash, "printf 'x\\n' > /f; sed -i.bak 's/x/y/' /f; cat /f /f.bak", "y\nx\n", 0},
	{Dash, "printf '1\\n2\\n' | sed '1i first\n$a last'", "first\n1\n2\nlast\n", 0},
	{Dash, "sed 's/a/b/' /nope", "sed: can't read /nope: No such file or directory\n", 2},
	{Dash, "echo a | sed 's/a/b'", "sed: -e expression #1, char 5: unterminated `s' command\n", 1},
	{Dash, "echo a | sed 'k'", "sed: -e expression #1, char 1: unknown command: `k'\n", 1},
	{Dash, "grep root /etc/passwd; grep -c x /etc/passwd; grep -v root /etc/passwd; grep -i ROOT /etc/passwd | wc -l", "root:x:0:0:root:/root:/bin/bash\n2\napp:x:1000:1000::/home/app:/bin/sh\n1\n", 0},
	{Dash, "grep -q nope /etc/passwd; echo $?; grep x /nope; echo $?", "1\ngrep: /nope: No such file or directory\n2\n", 0},
	{Dash, "grep -n app /etc/passwd /etc/group", "/etc/passwd:2:app:x:1000:1000::/home/app:/bin/sh\n/etc/group:2:staff:x:50:app\n/etc/group:3:app:x:1000:\n", 0},
	{Dash, "grep -E '^(root|app):' /etc/group; grep -F 'x:0' /etc/passwd | wc -l; grep -rl welcome /etc; grep -o 'ro+t' /etc/passwd", "root:x:0:\napp:x:1000:\n1\n/etc/motd\n", 1},
	{Dash, "grep -w ap /etc/passwd; echo $?; grep -x box /etc/hostname", "1\nbox\n", 0},

	// ls
	{Dash, "ls -l /", "total 28\ndrwxr-xr-x 2 root root 4096 Jan  1  1970 app\ndrwxr-xr-x 2 root root 4096 Jan  1  1970 bin\ndrwxr-xr-x 2 root root 4096 Jan  1  1970 etc\ndrwxr-xr-x 3 root root 4096 Jan  1  1970 home\ndrwx------ 2 root root 4096 Jan  1  1970 root\ndrwxrwxrwt 2 root root 4096 Jan  1  1970 tmp\ndrwxr-xr-x 3 root root 4096 Jan  1  1970 usr\n", 0},
	{Dash, "ls /etc /app", "/app:\n\n/etc:\ngroup\nhostname\nmotd\npasswd\n", 0},
	{Dash, "touch /app/.hidden /app/b; ls /app; ls -a /app; ls -A /app", "b\n.\n..\n.hidden\nb\n.hidden\nb\n", 0},
	{Dash, "ls -la /home", "total 12\ndrwxr-xr-x 3 root root 4096 Jan  1  1970 .\ndrwxr-xr-x 9 root root 4096 Jan  1  1970 ..\ndrwxr-xr-x 2 app  app  4096 Jan  1  1970 app\n", 0},
	{Dash, "ls -1F /bin | head -n 2; ls -d /etc", "[*\nbasename*\n/etc\n", 0},
	{Dash, "ls /nope; echo $?", "ls: cannot access '/nope': No such file or directory\n2\n", 0},
	{Dash, "ls -z", "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n", 2},

	// find and xargs
	{Dash, "find /etc -name '*.d' -o -type f", "/etc/group\n/etc/hostname\n/etc/motd\n/etc/passwd\n", 0},
	{Dash, "find / -maxdepth 1 -name 'e*'; find /home -type d; cd /home && find .", "/etc\n/home\n/home/app\n.\n./app\n", 0},
	{Dash, "mkdir -p /s && touch /s/a /s/b && find /s -type f | xargs ls", "/s/a\n/s/b\n", 0},
	{Dash, "echo a b c | xargs -n 1 echo x; echo 'a b' | xargs -I{} echo [{}]", "x a\nx b\nx c\n[a b]\n", 0},
	{Dash, "mkdir -p /s && touch /s/a /s/b && find /s -name a -exec echo found {} \\; && find /s -type f -exec echo {} +", "found /s/a\n/s/a /s/b\n", 0},
	{Dash, "mkdir -p /s/t && touch /s/t/x && find /s -delete && ls /s", "ls: cannot access '/s': No such file or directory\n", 2},
	{Dash, "find /nope", "find: '/nope': No such file or directory\n", 1},
	{Dash, "echo x | xargs nosuch", "xargs: nosuch: No such file or directory\n", 127},
	{Dash, "printf '' | xargs -r echo x; printf '' | xargs echo x", "x\n", 0},

	// tar
	{Dash, "tar -cf /t.tar /etc && tar -tf /t.tar && mkdir /out && tar -xf /t.tar -C /out && ls /out/etc", "tar: Removing leading `/' from member names\netc/\netc/group\netc/hostname\netc/motd\netc/passwd\ngroup\nhostname\nmotd\npasswd\n", 0},
	{Dash, "mkdir -p /d/sub && echo hi > /d/sub/f && tar czf /d.tgz -C / d && rm -r /d && tar xzf /d.tgz -C /tmp --strip-components=1 && cat /tmp/sub/f", "hi\n", 0},
	{Dash, "cd /etc && tar cf - motd | (cd /tmp && tar xvf -) && cat /tmp/motd", "motd\nwelcome\n", 0},
	{Dash, "tar xf /nope.tar", "tar: /nope.tar: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n", 2},
	{Dash, "tar cf /x.tar /nope", "tar: Removing leading `/' from member names\ntar: /nope: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n", 2},

	// who and where: id, whoami, env, uname, date, hostname, which
	{Dash, "id; whoami; id -u; id -un; id -G app; id nobody", "uid=0(root) gid=0(root) groups=0(root)\nroot\n0\nroot\n1000 50\nid: 'nobody': no such user\n", 1},
	{Dash, "uname; uname -a; uname -srm; hostname", "Linux\nLinux box 6.8.0 #1 SMP PREEMPT_DYNAMIC Mon Jan  1 00:00:00 UTC 2024 x86_64 GNU/Linux\nLinux 6.8.0 x86_64\nbox\n", 0},
	{Dash, "date; sleep 90; date +%F_%T; date -u +%s", "Mon Jan  1 00:00:00 UTC 2024\n2024-01-01_00:01:30\n1704067290\n", 0},
	{Dash, "env | head -n 2; env -i A=1 env; env FOO=bar sh -c 'echo $FOO'; env -u HOME printenv HOME; echo $?", "HOME=/root\nHOSTNAME=box\nA=1\nbar\n1\n", 0},
	{Dash, "env nosuch", "env: 'nosuch': No such file or directory\n", 127},
	{Dash, "which ls sh nosuch; echo $?; which -a sh", "/bin/ls\n/bin/sh\n1\n/bin/sh\n", 0},
	{Dash, "basename /a/b/c.txt .txt; basename -a /x/y /z; dirname /a/b/c a /", "c\ny\nz\n/a/b\n.\n/\n", 0},
	{Dash, "readlink -f /etc/../etc/motd; realpath /tmp/../etc; readlink /etc/motd; echo $?", "/etc/motd\n/etc\n1\n", 0},
	{Dash, "printf '%s-%d|' a 1 b 2; echo; /bin/echo -n x; /bin/echo -e 'y\\tz'", "a-1|b-2|\nxy\tz\n", 0},
	{Dash, "sleep; sleep x", "sleep: missing operand\nTry 'sleep --help' for more information.\nsleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n", 1},
}

func TestCoreutils(t *testing.T) {
	for _, tc := range coreutilsTests {
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
