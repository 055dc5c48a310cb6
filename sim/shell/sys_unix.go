//go:build unix

package shell

import "syscall"

func statSys(fi *fileInfo) any {
	return &syscall.Stat_t{
		Ino:   fi.inode(),
		Nlink: 1,
		Uid:   uint32(fi.n.UID),
		Gid:   uint32(fi.n.GID),
		Size:  fi.Size(),
	}
}
