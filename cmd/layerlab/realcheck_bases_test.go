package main

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// realBase is a base image built on this machine with no registry: the same
// root filesystem goes into the real engine (docker import) and, through the
// engine's docker save, into layerlab (play --base).
type realBase struct {
	ref     string
	changes []string // docker import --change: the config a real base has
	rootfs  func(ctx context.Context, cacheDir string) (string, error)
}

var realBases = map[string]realBase{
	"busybox": {
		ref:     "busybox:latest",
		changes: []string{`CMD ["sh"]`, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		rootfs:  busyboxRootfs,
	},
	"debian": {
		ref:     "debian:bookworm",
		changes: []string{`CMD ["bash"]`, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		rootfs:  debianRootfs,
	},
}

// rcEpoch is the modification time of every file the check writes itself,
// so the busybox root filesystem is the same bytes on every run.
var rcEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// busyboxRootfs packs Debian's static busybox with its applet links,
// /etc/passwd and /etc/group, and a small /app tree for scripts to change.
func busyboxRootfs(ctx context.Context, cacheDir string) (string, error) {
	bin, err := exec.LookPath("busybox")
	if err != nil {
		return "", errors.New("no busybox on PATH: install Debian's busybox-static (apt-get install busybox-static)")
	}
	if f, err := elf.Open(bin); err == nil {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				f.Close()
				return "", fmt.Errorf("%s is linked dynamically; a base image needs Debian's busybox-static", bin)
			}
		}
		f.Close()
	}
	body, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	list, err := exec.CommandContext(ctx, bin, "--list-full").Output()
	if err != nil {
		return "", fmt.Errorf("busybox --list-full: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(name string, mode int64) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: rcEpoch, Format: tar.FormatPAX})
	}
	file := func(name string, mode int64, body []byte) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body)), ModTime: rcEpoch, Format: tar.FormatPAX})
		tw.Write(body)
	}
	for _, d := range []string{"bin", "dev", "etc", "home", "proc", "root", "sbin", "sys", "usr", "usr/bin", "usr/sbin", "var", "var/log", "app", "app/data"} {
		dir(d, 0o755)
	}
	dir("tmp", 0o1777)
	file("bin/busybox", 0o755, body)
	for _, applet := range strings.Fields(string(list)) {
		if applet == "bin/busybox" || strings.Count(applet, "/") > 2 {
			continue
		}
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: applet, Linkname: "/bin/busybox", Mode: 0o777, ModTime: rcEpoch, Format: tar.FormatPAX})
	}
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n"))
	file("etc/group", 0o644, []byte("root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"))
	file("app/hello.txt", 0o644, []byte("hello from the base image\n"))
	file("app/config.ini", 0o644, []byte("[server]\nport = 8000\n"))
	file("app/data/list.txt", 0o644, []byte("milk\neggs\nbread\n"))
	file("var/log/boot.log", 0o644, []byte("booted\n"))
	if err := tw.Close(); err != nil {
		return "", err
	}
	out := filepath.Join(cacheDir, "busybox-rootfs.tar")
	return out, os.WriteFile(out, buf.Bytes(), 0o644)
}

// debianRootfs is Debian bookworm made by debootstrap (minbase), packed
// once and kept in the cache directory: the packages come from Debian's
// mirror and take a few minutes to fetch.
func debianRootfs(ctx context.Context, cacheDir string) (string, error) {
	out := filepath.Join(cacheDir, "debian-bookworm-rootfs.tar")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	boot, err := exec.LookPath("debootstrap")
	if err != nil {
		return "", errors.New("no debootstrap on PATH: install it (apt-get install debootstrap) to make the Debian base")
	}
	root := filepath.Join(cacheDir, "debian-rootfs")
	os.RemoveAll(root)
	cmd := exec.CommandContext(ctx, boot, "--variant=minbase", "bookworm", root)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("debootstrap: %v\n%s", err, tail(string(b), 15))
	}
	// An image has no apt caches or logs of its making, and no device
	// nodes (the runtime makes /dev).
	for _, p := range []string{"var/cache/apt/archives", "var/lib/apt/lists", "var/log"} {
		entries, _ := os.ReadDir(filepath.Join(root, p))
		for _, e := range entries {
			if e.Name() != "partial" && e.Name() != "lock" {
				os.RemoveAll(filepath.Join(root, p, e.Name()))
			}
		}
	}
	os.MkdirAll(filepath.Join(root, "app"), 0o755)
	os.WriteFile(filepath.Join(root, "app", "hello.txt"), []byte("hello from the base image\n"), 0o644)
	tmp := out + ".part"
	if b, err := exec.CommandContext(ctx, "tar", "-C", root, "--numeric-owner", "--sort=name", "--exclude=./dev/*", "-cf", tmp, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("packing the Debian rootfs: %v\n%s", err, b)
	}
	os.RemoveAll(root)
	return out, os.Rename(tmp, out)
}

// importBase puts a base into the real engine and writes its docker save
// tar for layerlab. It returns the image ID and the tar's path.
func (d *realDaemon) importBase(ctx context.Context, name, cacheDir string) (string, string, error) {
	b := realBases[name]
	rootfs, err := b.rootfs(ctx, cacheDir)
	if err != nil {
		return "", "", fmt.Errorf("base %s: %w", name, err)
	}
	args := []string{"import"}
	for _, c := range b.changes {
		args = append(args, "--change", c)
	}
	args = append(args, rootfs, b.ref)
	if out, err := d.output(ctx, "", args...); err != nil {
		return "", "", fmt.Errorf("docker import %s: %v\n%s", b.ref, err, out)
	}
	saved := filepath.Join(cacheDir, name+"-save.tar")
	if out, err := d.output(ctx, "", "save", "-o", saved, b.ref); err != nil {
		return "", "", fmt.Errorf("docker save %s: %v\n%s", b.ref, err, out)
	}
	id, err := d.output(ctx, "", "image", "inspect", "-f", "{{.Id}}", b.ref)
	if err != nil {
		return "", "", fmt.Errorf("docker image inspect %s: %v\n%s", b.ref, err, id)
	}
	return strings.TrimSpace(id), saved, nil
}
