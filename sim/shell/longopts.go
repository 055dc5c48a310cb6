package shell

import "strings"

// expandLong rewrites long options the way getopt_long reads them: a
// unique prefix names the whole option (--home for --home-dir) and
// --opt=value becomes --opt value. valued lists the options that take a
// value; options not in the list are left as they are.
func expandLong(args []string, long []string, valued map[string]bool) []string {
	var out []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			out = append(out, a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		full := ""
		for _, l := range long {
			if l == name {
				full = l
				break
			}
			if strings.HasPrefix(l, name) {
				if full != "" {
					full = "" // ambiguous: leave it for the tool to refuse
					break
				}
				full = l
			}
		}
		if full == "" {
			out = append(out, a)
			continue
		}
		out = append(out, full)
		if hasVal && valued[full] {
			out = append(out, val)
		} else if hasVal {
			out[len(out)-1] = a
		}
	}
	return out
}

var (
	useraddLong = []string{"--base-dir", "--comment", "--home-dir", "--defaults", "--expiredate", "--inactive", "--gid",
		"--groups", "--help", "--skel", "--key", "--no-log-init", "--create-home", "--no-create-home", "--no-user-group",
		"--non-unique", "--password", "--system", "--root", "--prefix", "--shell", "--uid", "--user-group", "--selinux-user"}
	useraddValued = map[string]bool{"--base-dir": true, "--comment": true, "--home-dir": true, "--expiredate": true, "--inactive": true,
		"--gid": true, "--groups": true, "--skel": true, "--key": true, "--password": true, "--root": true, "--prefix": true,
		"--shell": true, "--uid": true, "--selinux-user": true}
	groupaddLong   = []string{"--force", "--gid", "--help", "--key", "--non-unique", "--password", "--system", "--root", "--prefix", "--users"}
	groupaddValued = map[string]bool{"--gid": true, "--key": true, "--password": true, "--root": true, "--prefix": true, "--users": true}
)
