package build

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// LookupUser resolves "user[:group]" against /etc/passwd and /etc/group in
// fsys the way runc does; numeric ids need no entry.
func LookupUser(fsys *union.FS, spec string) (uid, gid int, err error) {
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	if n, err := strconv.Atoi(userPart); err == nil && n >= 0 {
		uid = n
		gid = n
		if line, ok := findEntry(fsys, "etc/passwd", 2, userPart); ok && len(line) > 3 {
			gid, _ = strconv.Atoi(line[3])
		} else {
			gid = 0
		}
	} else {
		line, ok := findEntry(fsys, "etc/passwd", 0, userPart)
		if !ok || len(line) < 4 {
			return 0, 0, fmt.Errorf("unable to find user %s: no matching entries in passwd file", userPart)
		}
		uid, _ = strconv.Atoi(line[2])
		gid, _ = strconv.Atoi(line[3])
	}
	if hasGroup {
		if n, err := strconv.Atoi(groupPart); err == nil && n >= 0 {
			gid = n
		} else {
			line, ok := findEntry(fsys, "etc/group", 0, groupPart)
			if !ok || len(line) < 3 {
				return 0, 0, fmt.Errorf("unable to find group %s: no matching entries in group file", groupPart)
			}
			gid, _ = strconv.Atoi(line[2])
		}
	}
	return uid, gid, nil
}

func findEntry(fsys *union.FS, file string, field int, value string) ([]string, bool) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ":")
		if len(parts) > field && parts[field] == value {
			return parts, true
		}
	}
	return nil, false
}

// mkdirAllOwned creates dir and its missing parents with mode 0755 and the
// given owner, leaving existing directories alone.
func mkdirAllOwned(ov *union.Overlay, dir string, uid, gid int) error {
	dir = path.Clean("/" + dir)
	if dir == "/" {
		return nil
	}
	if n, err := ov.Stat(dir); err == nil {
		if n.Type != layer.TypeDir {
			return fmt.Errorf("mkdir %s: not a directory", dir)
		}
		return nil
	}
	if err := mkdirAllOwned(ov, path.Dir(dir), uid, gid); err != nil {
		return err
	}
	if err := ov.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if uid != 0 || gid != 0 {
		return ov.Chown(dir, uid, gid)
	}
	return nil
}
