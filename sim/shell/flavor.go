package shell

import (
	"path"
	"strings"
)

// FlavorOf says which shell an image has as /bin/sh, by following the link:
// dash on Debian and Ubuntu, BusyBox ash on alpine and busybox, bash where
// /bin/sh is bash. An image without /bin/sh gets Dash, whose messages are
// the most common.
func FlavorOf(fsys FS) Flavor {
	target := "/bin/sh"
	for i := 0; i < 8; i++ {
		n, err := fsys.Lstat(target)
		if err != nil {
			return Dash
		}
		if n.Linkname == "" {
			break
		}
		if path.IsAbs(n.Linkname) {
			target = n.Linkname
		} else {
			target = path.Join(path.Dir(target), n.Linkname)
		}
	}
	switch base := path.Base(target); {
	case strings.Contains(base, "busybox") || base == "ash":
		return Ash
	case base == "bash":
		return Bash
	}
	return Dash
}
