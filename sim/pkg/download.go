package pkg

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/shell"
)

// A simulated download never reaches the network. It makes a teaching copy
// of what the URL names, the same bytes for the same URL everywhere:
//
//   - a source tarball (NAME-VERSION.tar.gz, .tar.xz, .tar.bz2, .tgz) is a
//     gzip tar of a small source tree: a configure script that records its
//     --prefix, a Makefile, and the files "make install" puts in place;
//   - the prebuilt tarballs official images unpack (Node.js, Go, Yarn) hold
//     their real layout, large files sized by a PAX record;
//   - NAME.sha256 / .sha512 / SHASUMS256.txt hold the checksums of the
//     teaching copies next to them, so `sha256sum -c` checks something real;
//   - a signature (.asc, .sig) and anything else is a short text, and a
//     binary (gosu, tini, …) is an executable stub of its real size.
//
// Every teaching copy carries shell.TeachingMark, so sha256sum, gpg and tar
// can say so in one line when a published fact cannot hold for it.

// tfile is one member of a teaching archive.
type tfile struct {
	name string // relative to the archive's top directory
	kind byte   // 'x', 'f', 'l', 'd'
	size int64
	text string // content, or link target
}

var sourceName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.+]*?)-v?([0-9][0-9A-Za-z.~_+-]*?)(\.tar\.gz|\.tar\.xz|\.tar\.bz2|\.tgz|\.txz|\.tar)$`)

// archiveSuffix reports whether name is a tarball.
func archiveSuffix(name string) bool {
	for _, s := range []string{".tar.gz", ".tar.xz", ".tar.bz2", ".tgz", ".txz", ".tar", ".tar.zst"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// teachingDownload is the teaching copy of url, and the file name a
// download with no name of its own would save it as.
func teachingDownload(url string) (data []byte, name string) {
	u := strings.SplitN(strings.SplitN(url, "?", 2)[0], "#", 2)[0]
	name = path.Base(u)
	if name == "." || name == "/" || name == "" || strings.HasSuffix(u, "/") || !strings.Contains(strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"), "/") {
		name = "index.html"
	}
	switch {
	case strings.HasSuffix(name, ".sha256"):
		// the bare checksum, as release sites publish it next to a file
		d, _ := teachingDownload(strings.TrimSuffix(u, ".sha256"))
		return []byte(fmt.Sprintf("%x\n", sha256.Sum256(d))), name
	case strings.HasSuffix(name, ".sha256sum"):
		target := strings.TrimSuffix(name, ".sha256sum")
		d, _ := teachingDownload(strings.TrimSuffix(u, name) + target)
		return []byte(fmt.Sprintf("%x  %s\n", sha256.Sum256(d), target)), name
	case strings.HasSuffix(name, ".sha512"):
		target := strings.TrimSuffix(name, ".sha512")
		d, _ := teachingDownload(strings.TrimSuffix(u, name) + target)
		return []byte(fmt.Sprintf("%x  %s\n", sha512sum(d), target)), name
	case strings.HasPrefix(name, "SHASUMS256.txt"):
		return shasums(u, name), name
	case strings.HasSuffix(name, ".asc") || strings.HasSuffix(name, ".sig") || strings.HasSuffix(name, ".gpg") || strings.HasSuffix(name, ".key"):
		return []byte("-----BEGIN PGP SIGNATURE-----\n\n" + shell.TeachingMark + " of " + url + "\n-----END PGP SIGNATURE-----\n"), name
	case archiveSuffix(name):
		return teachingArchive(url, name), name
	case binaryDownload(name):
		return append(binaryStub("/usr/local/bin/"+name), []byte("\n"+shell.TeachingMark+"\n")...), name
	}
	return []byte("# " + shell.TeachingMark + " of " + url + "\n"), name
}

// binaryDownload reports the names official images fetch as ready binaries.
func binaryDownload(name string) bool {
	for _, p := range []string{"gosu", "tini", "su-exec", "dumb-init", "yq", "jq-", "kubectl", "docker-compose", "caddy"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return !strings.Contains(name, ".")
}

// shasums lists the checksums of the Node.js tarballs of a release
// directory, as nodejs.org publishes them (and, signed, as .asc).
func shasums(u, name string) []byte {
	dir := strings.TrimSuffix(u, name)
	m := regexp.MustCompile(`/v([0-9][^/]*)/$`).FindStringSubmatch(dir)
	var b strings.Builder
	if strings.HasSuffix(name, ".asc") {
		b.WriteString("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n")
	}
	if m != nil {
		var names []string
		for _, arch := range []string{"linux-x64", "linux-arm64", "linux-x64-musl"} {
			for _, ext := range []string{".tar.gz", ".tar.xz"} {
				names = append(names, "node-v"+m[1]+"-"+arch+ext)
			}
		}
		names = append(names, "node-v"+m[1]+"-headers.tar.gz", "node-v"+m[1]+".tar.gz", "node-v"+m[1]+".tar.xz")
		sort.Strings(names)
		for _, n := range names {
			d, _ := teachingDownload(dir + n)
			fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(d), n)
		}
	}
	if strings.HasSuffix(name, ".asc") {
		b.WriteString("-----BEGIN PGP SIGNATURE-----\n\n" + shell.TeachingMark + "\n-----END PGP SIGNATURE-----\n")
	} else {
		b.WriteString("") // the plain list has no trailer
	}
	return []byte(b.String())
}

// teachingArchive builds the gzip tar for a tarball URL.
func teachingArchive(url, name string) []byte {
	top, files := archiveTree(name)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Comment = shell.TeachingMark // gzip comments are Latin-1 without NUL: the URL stays out
	zw.ModTime = zeroTime
	tw := tar.NewWriter(zw)
	dirs := map[string]bool{}
	addDir := func(d string) {
		var chain []string
		for d != "." && d != "" && !dirs[d] {
			chain = append(chain, d)
			d = path.Dir(d)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			dirs[chain[i]] = true
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: chain[i] + "/", Mode: 0o755, ModTime: zeroTime, Format: tar.FormatPAX})
		}
	}
	for _, f := range files {
		full := f.name
		if top != "" {
			full = top + "/" + f.name
		}
		addDir(path.Dir(full))
		h := &tar.Header{Name: full, Mode: 0o644, ModTime: zeroTime, Format: tar.FormatPAX}
		switch f.kind {
		case 'd':
			addDir(full)
			continue
		case 'l':
			h.Typeflag, h.Linkname = tar.TypeSymlink, f.text
		default:
			h.Typeflag = tar.TypeReg
			data := []byte(f.text)
			if f.kind == 'x' {
				h.Mode = 0o755
				if data == nil {
					data = binaryStub("/" + full)
				}
			}
			if f.size > int64(len(data)) {
				h.PAXRecords = map[string]string{shell.SparseSizeRecord: strconv.FormatInt(f.size, 10)}
			}
			h.Size = int64(len(data))
			tw.WriteHeader(h)
			tw.Write(data)
			continue
		}
		tw.WriteHeader(h)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
