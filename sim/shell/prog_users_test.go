package shell

import (
	"testing"

	"github.com/layerlab/layerlab/sim/layer"
)

var userTests = []struct {
	fl     Flavor
	script string
	want   string
	status int
}{
	// BusyBox adduser makes a group of the user's name and a home
	{Dash, "adduser -D -u 1001 learner && tail -n 1 /etc/passwd && tail -n 1 /etc/group && ls -ld /home/learner && id learner",
		"learner:x:1001:1001:Linux User,,,:/home/learner:/bin/sh\nlearner:x:1001:\ndrwxr-xr-x 2 learner learner 4096 Jan  1  1970 /home/learner\nuid=1001(learner) gid=1001(learner) groups=1001(learner)\n", 0},
	{Dash, "addgroup -g 2000 web && adduser -D -G web -H www && tail -n 1 /etc/passwd && ls /home", "www:x:1001:2000:Linux User,,,:/home/www:/bin/sh\napp\n", 0},
	{Dash, "adduser -D app", "adduser: user 'app' in use\n", 1},
	{Dash, "adduser -D -G nosuch x", "adduser: unknown group nosuch\n", 1},
	{Dash, "adduser -D a && addgroup a app && grep ^app: /etc/group", "app:x:1000:a\n", 0},
	// shadow's useradd: no home without -m, a user group unless -N
	{Dash, "useradd -m -u 1500 -s /bin/bash dev && tail -n 1 /etc/passwd && ls -ld /home/dev", "dev:x:1500:1500::/home/dev:/bin/bash\ndrwxr-xr-x 2 dev dev 4096 Jan  1  1970 /home/dev\n", 0},
	{Dash, "useradd -r svc && groupadd -r grp && tail -n 1 /etc/passwd && tail -n 1 /etc/group && ls /home", "svc:x:100:100::/home/svc:/bin/sh\ngrp:x:101:\napp\n", 0},
	{Dash, "useradd", "useradd: missing user name\nTry 'useradd --help' for more information.\n", 1},
	// Debian's adduser takes long options
	{Dash, "adduser --disabled-password --gecos '' --uid 1200 deb && tail -n 1 /etc/passwd", "deb:x:1200:1200::/home/deb:/bin/bash\n", 0},
}

func TestUserPrograms(t *testing.T) {
	for _, tc := range userTests {
		var tools []layer.Entry
		for _, name := range []string{"adduser", "addgroup", "useradd", "groupadd"} {
			tools = append(tools, reg("usr/bin/"+name, "\x7fELF", 0o755))
		}
		got, status, err := run(t, tc.fl, tc.script, tools...)
		if err != nil {
			t.Errorf("%q: unexpected error %v", tc.script, err)
			continue
		}
		if got != tc.want || status != tc.status {
			t.Errorf("%q:\ngot  %q (status %d)\nwant %q (status %d)", tc.script, got, status, tc.want, tc.status)
		}
	}
}
