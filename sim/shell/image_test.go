package shell

import (
	"bytes"
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// binaries are the programs the test image has in /bin.
var binaries = []string{
	"sh", "bash", "mkdir", "touch", "rm", "rmdir", "cp", "mv", "ln", "chmod", "chown", "chgrp",
	"cat", "echo", "printf", "head", "tail", "wc", "sed", "grep", "tee", "tar", "find", "xargs",
	"which", "ls", "id", "whoami", "env", "pwd", "uname", "date", "hostname", "basename",
	"dirname", "readlink", "realpath", "true", "false", "yes", "sleep", "test", "[", "printenv",
	"tr", "cut", "sort", "uniq", "sha256sum", "sha512sum", "mktemp", "stat", "nproc", "zip", "unzip", "mawk",
}

func reg(p, data string, mode uint32) layer.Entry {
	return layer.Entry{Path: p, Type: layer.TypeReg, Mode: fromOctal(fs.FileMode(mode)), Size: int64(len(data)), Data: []byte(data)}
}

func dir(p string, mode uint32) layer.Entry {
	return layer.Entry{Path: p, Type: layer.TypeDir, Mode: fromOctal(fs.FileMode(mode))}
}

// testImage is a small Debian-like root filesystem.
func testImage(t testing.TB, extra ...layer.Entry) *union.Overlay {
	t.Helper()
	entries := []layer.Entry{
		dir("bin", 0o755), dir("etc", 0o755), dir("tmp", 0o1777), dir("root", 0o700),
		dir("home", 0o755), dir("usr", 0o755), dir("usr/bin", 0o755), dir("app", 0o755),
		{Path: "home/app", Type: layer.TypeDir, Mode: 0o755, UID: 1000, GID: 1000},
		reg("etc/passwd", "root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\n", 0o644),
		reg("etc/group", "root:x:0:\nstaff:x:50:app\napp:x:1000:\n", 0o644),
		reg("etc/hostname", "box\n", 0o644),
		reg("etc/motd", "welcome\n", 0o644),
	}
	for _, b := range binaries {
		entries = append(entries, reg("bin/"+b, "\x7fELF", 0o755))
	}
	entries = append(entries, reg("usr/bin/mystery", "\x7fELF", 0o755))
	entries = append(entries, extra...)
	l, err := layer.New(entries)
	if err != nil {
		t.Fatalf("layer.New: %v", err)
	}
	return union.NewOverlay(union.New(l), union.Hooks{})
}

var testEnv = map[string]string{"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root", "HOSTNAME": "box"}

// run runs a script in a fresh image and returns its combined output.
func run(t testing.TB, fl Flavor, script string, extra ...layer.Entry) (string, int, error) {
	t.Helper()
	o := testImage(t, extra...)
	return runIn(t, o, Config{Flavor: fl}, script)
}

func runIn(t testing.TB, o *union.Overlay, cfg Config, script string) (string, int, error) {
	t.Helper()
	var out bytes.Buffer
	cfg.FS = o
	if cfg.Env == nil {
		cfg.Env = testEnv
	}
	if cfg.Programs == nil {
		cfg.Programs = Coreutils()
	}
	cfg.Stdout, cfg.Stderr = &out, &out
	sh := New(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, err := sh.Run(ctx, script)
	return out.String(), status, err
}
