package pkg

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim/shell"
)

// script runs a shell script in the box as root, with every program.
func (b *box) script(text string, fetch shell.Fetcher) result {
	b.t.Helper()
	progs := shell.Coreutils()
	maps.Copy(progs, b.cat.Programs())
	env := map[string]string{"HOME": "/root"}
	for _, kv := range b.img.Config.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	var out, errOut bytes.Buffer
	sh := shell.New(shell.Config{FS: b.fs, Env: env, Programs: progs, Flavor: shell.FlavorOf(b.fs),
		Stdout: &out, Stderr: &errOut, Fetch: fetch})
	code, err := sh.Run(context.Background(), text)
	if err != nil {
		b.t.Fatalf("%q: %v", text, err)
	}
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func TestDownloads(t *testing.T) {
	for _, tc := range []struct {
		ref, script string
		stdout      []string // each must appear
		stderr      []string
		code        int
	}{
		// a source tarball: configure records the prefix, make install puts the files there
		{"debian:bookworm", `set -e
			apt-get update -qq; apt-get install -qq -y wget make >/dev/null
			wget -q -O redis.tgz http://download.example/releases/redis-7.2.5.tar.gz
			mkdir -p /usr/src/redis && tar -xzf redis.tgz -C /usr/src/redis --strip-components=1
			cd /usr/src/redis && ./configure --prefix=/opt/redis && make && make install
			ls /opt/redis/bin; stat -c %s /opt/redis/bin/redis-server`,
			[]string{"nothing to check, installing into /opt/redis", "redis-cli\nredis-sentinel\nredis-server\n12400000\n"},
			[]string{"saved a teaching copy of http://download.example/releases/redis-7.2.5.tar.gz as redis.tgz", "nothing was compiled, \"make install\" put its files under /opt/redis"}, 0},
		// the checksum next to a file matches the teaching copy; a published one says so
		{"debian:bookworm", `set -e
			apt-get update -qq; apt-get install -qq -y wget >/dev/null
			wget -q https://dl.example/go/go1.23.1.linux-amd64.tar.gz https://dl.example/go/go1.23.1.linux-amd64.tar.gz.sha256
			echo "$(cat go1.23.1.linux-amd64.tar.gz.sha256)  go1.23.1.linux-amd64.tar.gz" | sha256sum -c -
			echo "0000000000000000000000000000000000000000000000000000000000000000  go1.23.1.linux-amd64.tar.gz" | sha256sum -c -
			tar -C /usr/local -xzf go1.23.1.linux-amd64.tar.gz && cat /usr/local/go/VERSION | head -n 1`,
			[]string{"go1.23.1.linux-amd64.tar.gz: OK\ngo1.23.1.linux-amd64.tar.gz: OK\ngo1.23.1\n"},
			[]string{"is a teaching download; the checksum published for the real file was not compared"}, 0},
		// an .xz name is gzip inside, and tar says so
		{"debian:bookworm-slim", `set -e
			apt-get update -qq; apt-get install -qq -y curl xz-utils >/dev/null
			curl -fsSLO https://nodejs.example/dist/v20.17.0/node-v20.17.0-linux-x64.tar.xz
			tar -xJf node-v20.17.0-linux-x64.tar.xz -C /usr/local --strip-components=1 --no-same-owner
			readlink /usr/local/bin/npm; stat -c %s /usr/local/bin/node`,
			[]string{"../lib/node_modules/npm/bin/npm-cli.js\n96000000\n"},
			[]string{"node-v20.17.0-linux-x64.tar.xz is a teaching download, gzip-compressed whatever its name says"}, 0},
		// gpg fetches and checks nothing, and says so
		{"debian:bookworm", `set -e
			apt-get update -qq; apt-get install -qq -y gnupg >/dev/null
			export GNUPGHOME="$(mktemp -d)"
			gpg --batch --keyserver hkps://keys.example --recv-keys B42F6819007F00F88E364FD4036A9C25BF357DD4
			touch f f.asc; gpg --batch --verify f.asc f; gpgconf --kill all; ls "$GNUPGHOME"`,
			[]string{"pubring.kbx\ntrustdb.gpg\n"},
			[]string{"key B42F6819007F00F88E364FD4036A9C25BF357DD4 was not fetched", "the signature of f was not checked"}, 0},
		// curl to a server of the simulation: refused when nothing listens
		{"buildpack-deps:bookworm-curl", `curl -sS http://localhost:8000/`, nil,
			[]string{"curl: (7) Failed to connect to localhost port 8000 after 0 ms: Couldn't connect to server"}, 7},
		// a program that is not installed is not there
		{"debian:bookworm-slim", `wget http://example.com/x`, nil, []string{"wget: not found"}, 127},
	} {
		b := newBox(t, tc.ref)
		r := b.script(tc.script, nil)
		for _, s := range tc.stdout {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%s: stdout lacks %q:\n%s\nstderr:\n%s", tc.script, s, r.stdout, r.stderr)
			}
		}
		for _, s := range tc.stderr {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.script, s, r.stderr)
			}
		}
		if r.code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.script, r.code, tc.code, r.stderr)
		}
	}
}

// The engine answers requests to servers it runs through the Fetcher.
func TestFetchHook(t *testing.T) {
	b := newBox(t, "buildpack-deps:bookworm-curl")
	var asked string
	r := b.script(`curl -s http://localhost:8000/books; wget -qO- http://web:5000/`, func(ctx context.Context, url string) ([]byte, error) {
		asked += url + " "
		return []byte("<h1>Pageturn</h1>\n"), nil
	})
	if r.stdout != "<h1>Pageturn</h1>\n<h1>Pageturn</h1>\n" || asked != "http://localhost:8000/books http://web:5000/ " {
		t.Errorf("stdout %q, asked %q, stderr %q", r.stdout, asked, r.stderr)
	}
}

// Every URL makes the same teaching copy, and none panics.
func FuzzTeachingDownload(f *testing.F) {
	for _, u := range []string{"https://www.python.org/ftp/python/3.12.6/Python-3.12.6.tar.xz", "https://nodejs.org/dist/v20.17.0/SHASUMS256.txt.asc",
		"https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64", "http://x/", "", "a.tar.gz.sha256", "caddy_2.8.4_linux_amd64.tar.gz"} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, url string) {
		a, n1 := teachingDownload(url)
		b, n2 := teachingDownload(url)
		if !bytes.Equal(a, b) || n1 != n2 {
			t.Fatalf("%q: two different teaching copies", url)
		}
		if !shell.IsTeachingDownload(a) && !strings.HasSuffix(n1, ".sha256") && !strings.HasSuffix(n1, ".sha256sum") && !strings.HasSuffix(n1, ".sha512") && !strings.HasPrefix(n1, "SHASUMS256.txt") {
			t.Fatalf("%q: the teaching copy carries no mark", url)
		}
	})
}
