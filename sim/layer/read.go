package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Defaults for the zero fields of Limits.
const (
	DefaultMaxEntries  = 1 << 16
	DefaultMaxFileSize = 1 << 28 // 256 MiB
	DefaultMaxBytes    = 1 << 30 // 1 GiB
)

// Limits bound what FromTar accepts, so that an uploaded tar cannot exhaust
// memory or time. A zero field means its Default.
type Limits struct {
	MaxEntries  int   // tar headers, including hard links and skipped headers
	MaxFileSize int64 // apparent size of one file
	MaxBytes    int64 // apparent sizes of all files together
}

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// FromTar reads a layer tar, such as a blob of a real image, into a Layer.
//
// It accepts what image tars contain in practice: "./" and "/" prefixes, a
// root entry (dropped), PAX and GNU long names, old and new GNU sparse files,
// and hard links, which become regular copies of their target (a layer here
// has no inodes to share). A path that appears twice keeps its last entry,
// as extracting the tar would. Device nodes, FIFOs and paths that escape the
// root are refused with an error naming the entry.
//
// The Layer is re-serialized deterministically, so its DiffID is not the
// sha256 of r unless r was written by WriteTar. Regular files keep all their
// bytes, except sparse ones, whose trailing zeros become the apparent size.
func FromTar(r io.Reader, lim Limits) (*Layer, error) {
	lim = lim.withDefaults()
	tr := tar.NewReader(r)
	var (
		entries []Entry
		index   = map[string]int{} // path -> position in entries
		headers int
		total   int64
	)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			return nil, fmt.Errorf("reading layer tar: %w", err)
		}
		if headers++; headers > lim.MaxEntries {
			return nil, fmt.Errorf("reading layer tar: more than %d entries", lim.MaxEntries)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name, err := tarPath(hdr.Name)
		if err != nil {
			return nil, fmt.Errorf("reading layer tar: entry %q: %w", hdr.Name, err)
		}
		if name == "." {
			continue // the root itself: a layer cannot change it
		}
		e := Entry{
			Path: name,
			Mode: fromTarMode(hdr.Mode),
			UID:  hdr.Uid,
			GID:  hdr.Gid,
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			e.Type = TypeDir
		case tar.TypeSymlink:
			e.Type, e.Linkname = TypeSymlink, hdr.Linkname
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
			e.Type, e.Size = TypeReg, hdr.Size
			if err := checkSize(name, hdr.Size, &total, lim); err != nil {
				return nil, err
			}
			if e.Data, err = readData(tr, hdr); err != nil {
				return nil, fmt.Errorf("reading layer tar: entry %q: %w", name, err)
			}
		case tar.TypeLink:
			target, err := tarPath(hdr.Linkname)
			if err != nil {
				return nil, fmt.Errorf("reading layer tar: hard link %q: target %q: %w", name, hdr.Linkname, err)
			}
			i, ok := index[target]
			if !ok || entries[i].Type != TypeReg {
				return nil, fmt.Errorf("reading layer tar: hard link %q: no earlier regular file %q", name, target)
			}
			t := entries[i]
			if err := checkSize(name, t.Size, &total, lim); err != nil {
				return nil, err
			}
			e.Type, e.Size, e.Data = TypeReg, t.Size, t.Data
			e.Mode, e.UID, e.GID = t.Mode, t.UID, t.GID // a hard link shares the inode
		default:
			return nil, fmt.Errorf("reading layer tar: entry %q: unsupported type %q", name, hdr.Typeflag)
		}
		if i, ok := index[name]; ok {
			entries[i] = e
			continue
		}
		index[name] = len(entries)
		entries = append(entries, e)
	}
	l, err := New(entries)
	if err != nil {
		return nil, fmt.Errorf("reading layer tar: %w", err)
	}
	return l, nil
}

// tarPath turns a tar member name into an entry path: no leading "./" or
// "/", no trailing slash, clean. The root is ".". Like Docker's extraction, a
// name is cleaned first and refused only if it still climbs out of the root
// ("a/../b" is "b"; "../b" is an error); an absolute name is taken relative
// to the root.
func tarPath(name string) (string, error) {
	p := path.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", errors.New("path escapes the root")
	}
	if p = strings.TrimLeft(p, "/"); p == "" || p == "." {
		return ".", nil
	}
	if err := validPath(p); err != nil {
		return "", err
	}
	return p, nil
}

func checkSize(name string, size int64, total *int64, lim Limits) error {
	if size < 0 {
		return fmt.Errorf("reading layer tar: %q has a negative size", name)
	}
	if size > lim.MaxFileSize {
		return fmt.Errorf("reading layer tar: %q is %d bytes, more than the limit of %d", name, size, lim.MaxFileSize)
	}
	if *total += size; *total > lim.MaxBytes {
		return fmt.Errorf("reading layer tar: files add up to more than the limit of %d bytes", lim.MaxBytes)
	}
	return nil
}

// isSparse reports whether the reader expanded holes for this entry.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// readData reads the content of a regular file. For a sparse file it keeps
// only the bytes up to the last non-zero one, so a hole at the end (the only
// kind a Layer can express) costs no memory, not even while reading.
func readData(r io.Reader, hdr *tar.Header) ([]byte, error) {
	if !isSparse(hdr) {
		data := make([]byte, hdr.Size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, err
		}
		return data, nil
	}
	var data []byte
	var zeros int64 // zero bytes read since the last non-zero one
	buf := make([]byte, 32<<10)
	for left := hdr.Size; left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, err
		}
		left -= int64(len(chunk))
		if last := lastNonZero(chunk); last >= 0 {
			data = append(data, make([]byte, zeros)...)
			data = append(data, chunk[:last+1]...)
			zeros = int64(len(chunk) - last - 1)
		} else {
			zeros += int64(len(chunk))
		}
	}
	return data, nil
}

func lastNonZero(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return i
		}
	}
	return -1
}

// fromTarMode converts a tar mode field to permission and special bits.
func fromTarMode(m int64) fs.FileMode {
	mode := fs.FileMode(m) & fs.ModePerm
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
