package shell

import (
	"strconv"
	"strings"
)

// account is one line of /etc/passwd or /etc/group in the image.
type account struct {
	name    string
	id      int
	gid     int      // primary group (passwd only)
	home    string   // (passwd only)
	members []string // (group only)
}

// accounts reads an /etc/passwd or /etc/group style file from the image;
// a missing or unreadable file has no accounts, as in a scratch image.
func accounts(o FS, file string) []account {
	data, err := o.ReadFile(file)
	if err != nil {
		return nil
	}
	var out []account
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		a := account{name: f[0], id: id}
		if len(f) == 4 && f[3] != "" {
			a.members = strings.Split(f[3], ",")
		}
		if len(f) >= 6 {
			a.gid, _ = strconv.Atoi(f[3])
			a.home = f[5]
		}
		out = append(out, a)
	}
	return out
}

// userByName finds a user of the image by name.
func userByName(o FS, name string) (account, bool) {
	for _, a := range accounts(o, "/etc/passwd") {
		if a.name == name {
			return a, true
		}
	}
	return account{}, false
}

// userByID finds a user of the image by uid.
func userByID(o FS, id int) (account, bool) {
	for _, a := range accounts(o, "/etc/passwd") {
		if a.id == id {
			return a, true
		}
	}
	return account{}, false
}

// groupByName finds a group of the image by name.
func groupByName(o FS, name string) (account, bool) {
	for _, a := range accounts(o, "/etc/group") {
		if a.name == name {
			return a, true
		}
	}
	return account{}, false
}

// groupByID finds a group of the image by gid.
func groupByID(o FS, id int) (account, bool) {
	for _, a := range accounts(o, "/etc/group") {
		if a.id == id {
			return a, true
		}
	}
	return account{}, false
}

// homeOf is the home directory of a uid: from /etc/passwd, else what
// Docker falls back to ("/root" for root, "/" for anyone else).
func homeOf(o FS, uid int) string {
	if a, ok := userByID(o, uid); ok && a.home != "" {
		return a.home
	}
	if uid == 0 {
		return "/root"
	}
	return "/"
}
