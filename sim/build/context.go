package build

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/dockerfile"
)

// ctxFile is one path of the build context.
type ctxFile struct {
	dir  bool
	mode fs.FileMode // permission bits
	data []byte
	link string // symlink target
}

// contextFiles is the build context after .dockerignore, as the builder saw
// it when the build started.
type contextFiles struct {
	files map[string]ctxFile // "app/app.py"; the root is ""
	names []string           // sorted
}

// loadContext reads the whole context once, applying .dockerignore.
func loadContext(fsys fs.FS, lim sim.Limits) (*contextFiles, error) {
	cf := &contextFiles{files: map[string]ctxFile{"": {dir: true, mode: 0o755}}}
	if fsys == nil {
		return cf, nil
	}
	var ignore func(string) bool
	if data, err := fs.ReadFile(fsys, ".dockerignore"); err == nil {
		patterns, err := dockerfile.ParseIgnore(data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse dockerignore: %w", err)
		}
		ignore, err = dockerfile.NewIgnoreMatcher(patterns)
		if err != nil {
			return nil, fmt.Errorf("failed to parse dockerignore: %w", err)
		}
	}
	var total int64
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if ignore != nil && ignore(name) {
			// An excluded directory is still walked: a later "!" pattern
			// may re-include something below it.
			return nil
		}
		// A path re-included below an excluded directory brings its
		// parents along, as fsutil's walker sends them first.
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			if _, ok := cf.files[dir]; ok {
				break
			}
			info, err := fs.Stat(fsys, dir)
			if err != nil {
				return err
			}
			if len(cf.files) >= lim.ContextFiles {
				return sim.LimitError("too many files in the build context", lim.ContextFiles)
			}
			cf.files[dir] = ctxFile{dir: true, mode: info.Mode().Perm()}
		}
		if len(cf.files) >= lim.ContextFiles {
			return sim.LimitError("too many files in the build context", lim.ContextFiles)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f := ctxFile{mode: info.Mode().Perm()}
		switch {
		case d.IsDir():
			f.dir = true
		case info.Mode()&fs.ModeSymlink != 0:
			if rl, ok := fsys.(fs.ReadLinkFS); ok {
				f.link, _ = rl.ReadLink(name)
			}
		case info.Mode().IsRegular():
			if info.Size() > lim.FileBytes {
				return sim.LimitError(fmt.Sprintf("%s is too large for the build context", name), lim.FileBytes)
			}
			total += info.Size()
			if total > lim.ContextBytes {
				return sim.LimitError("the build context is too large", sizeWords(lim.ContextBytes))
			}
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			f.data = data
		default:
			return nil
		}
		cf.files[name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading build context: %w", err)
	}
	// Directories that hold only ignored files still exist as directories.
	for name := range cf.files {
		cf.names = append(cf.names, name)
	}
	sort.Strings(cf.names)
	return cf, nil
}

// readContextFile reads the Dockerfile from the context.
func readContextFile(fsys fs.FS, name string, lim sim.Limits) ([]byte, error) {
	if fsys == nil {
		return nil, fs.ErrNotExist
	}
	f, err := fsys.Open(strings.TrimPrefix(path.Clean("/"+name), "/"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(lim.FileBytes)+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.FileBytes {
		return nil, errors.New("the Dockerfile is too large")
	}
	return data, nil
}

// under lists the context paths at or below name, in order.
func (cf *contextFiles) under(name string) []string {
	var out []string
	i := sort.SearchStrings(cf.names, name)
	for ; i < len(cf.names); i++ {
		n := cf.names[i]
		if name == "" || n == name || strings.HasPrefix(n, name+"/") {
			out = append(out, n)
		} else if n > name+"/\xff" {
			break
		}
	}
	return out
}

// match expands a source with wildcards against the context.
func (cf *contextFiles) match(pattern string) ([]string, error) {
	if !strings.ContainsAny(pattern, "*?[") {
		if _, ok := cf.files[pattern]; ok {
			return []string{pattern}, nil
		}
		return nil, nil
	}
	var out []string
	for _, n := range cf.names {
		ok, err := path.Match(pattern, n)
		if err != nil {
			return nil, err
		}
		if ok && n != "" {
			out = append(out, n)
		}
	}
	return out, nil
}

// checksum hashes what a COPY would read: every path below the sources with
// its mode and content, the way BuildKit's contenthash keys COPY.
func (cf *contextFiles) checksum(sources []string) string {
	h := sha256.New()
	for _, src := range sources {
		for _, n := range cf.under(src) {
			f := cf.files[n]
			fmt.Fprintf(h, "%s\x00%v\x00%o\x00%s\x00%d\x00", n, f.dir, f.mode, f.link, len(f.data))
			h.Write(f.data)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// size is what transferring the context costs: the bytes of its files.
func (cf *contextFiles) size() int64 {
	var n int64
	for _, f := range cf.files {
		n += int64(len(f.data))
	}
	return n
}

// sizeWords prints a limit in bytes the way a learner reads it.
func sizeWords(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
