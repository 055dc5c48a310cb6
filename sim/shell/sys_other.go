//go:build !unix

package shell

func statSys(fi *fileInfo) any { return nil }
