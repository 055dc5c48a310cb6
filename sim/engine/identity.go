package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/build"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/union"
)

// A container's identity, as the daemon and runc give it: its hostname is
// its short ID unless --hostname says otherwise; its processes see HOSTNAME
// (and TERM with -t) ahead of the image's and -e's variables, and HOME from
// the user's passwd entry; /etc/hostname, /etc/hosts and /etc/resolv.conf
// are files the daemon mounts over the image's, so they never show in
// docker diff and cannot be removed.

// defaultPath is PATH when the image sets none (moby's DefaultPathEnv).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// processEnv is the environment of a process in c, in the daemon's order:
// PATH, HOSTNAME, TERM (with a terminal), then env (the image's and the
// user's, replacing those), then HOME when nothing set it.
func (e *Engine) processEnv(c *Container, tty bool, env []string, home string) []string {
	out := []string{"PATH=" + defaultPath, "HOSTNAME=" + c.Hostname}
	if tty {
		out = append(out, "TERM=xterm")
	}
	out = mergeEnv(out, env)
	for _, kv := range out {
		if strings.HasPrefix(kv, "HOME=") {
			return out
		}
	}
	return append(out, "HOME="+home)
}

// userOf resolves a user spec (name, uid, name:group) in the container: its
// uid and gid and its home directory from /etc/passwd ("/" when the user
// has no entry, as runc does).
func (e *Engine) userOf(c *Container, spec string) (uid, gid int, home string, err error) {
	home = "/"
	if spec == "" {
		spec = "0"
	}
	uid, gid, err = build.LookupUser(e.lib.view(c.Image), spec)
	if err != nil {
		return 0, 0, "", errdefs.InvalidParameter(err)
	}
	data, rerr := c.fs.ReadFile("/etc/passwd")
	if rerr != nil {
		if uid == 0 {
			home = "/root"
		}
		return uid, gid, home, nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 6 && f[2] == strconv.Itoa(uid) {
			return uid, gid, f[5], nil
		}
	}
	return uid, gid, home, nil
}

// etcFiles are the files the daemon puts in every container's /etc: three
// mounts, and mtab, a link to /proc/mounts from its init layer.
var etcFiles = []string{"hostname", "hosts", "mtab", "resolv.conf"}

// etcMounts makes the content of /etc/hostname, /etc/hosts and
// /etc/resolv.conf for a container, in a small filesystem of their own;
// writes there count against the session's quota like any other.
func etcMounts(hostname string, ip string, quota union.Quota) *union.Overlay {
	o := union.NewOverlay(union.New(), union.Hooks{})
	defer o.SetQuota(quota)
	o.WriteFile("/hostname", []byte(hostname+"\n"), 0o644)
	o.WriteFile("/hosts", []byte(fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n%s\t%s\n", ip, hostname)), 0o644)
	o.Symlink("/proc/mounts", "/mtab")
	o.WriteFile("/resolv.conf", []byte("# layerlab: containers have no network; this is the file Docker would write\nnameserver 192.0.2.53\n"), 0o644)
	return o
}
