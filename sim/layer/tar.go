package layer

import (
	"encoding/binary"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// paxRec is one PAX extended header record.
type paxRec struct{ key, value string }

// ModTime is the modification time, in seconds since the Unix epoch, of
// every entry in a layer tar. A wall-clock time would make every build
// produce new digests; BuildKit pins it the same way under SOURCE_DATE_EPOCH.
const ModTime = 0

const (
	blockSize  = 512
	nameSize   = 100 // the USTAR name and linkname fields
	prefixSize = 155 // the USTAR prefix field

	// Offsets of the header fields (POSIX ustar).
	offName     = 0
	offMode     = 100
	offUID      = 108
	offGID      = 116
	offSize     = 124
	offMtime    = 136
	offChksum   = 148
	offType     = 156
	offLinkname = 157
	offMagic    = 257
	offVersion  = 263
	offUname    = 265
	offGname    = 297
	offDevMajor = 329
	offDevMinor = 337
	offPrefix   = 345

	typeReg     = '0'
	typeSymlink = '2'
	typeDir     = '5'
	typeXHeader = 'x'
)

// The keys of the PAX records this writer may emit.
const (
	paxPath     = "path"
	paxLinkpath = "linkpath"
	paxUID      = "uid"
	paxGID      = "gid"
	paxSize     = "size"

	paxSparseMajor    = "GNU.sparse.major"
	paxSparseMinor    = "GNU.sparse.minor"
	paxSparseName     = "GNU.sparse.name"
	paxSparseRealSize = "GNU.sparse.realsize"
)

// tarWriter writes blocks to w and counts them. The first error sticks.
type tarWriter struct {
	w    io.Writer
	n    int64
	err  error
	blk  [blockSize]byte
	zero [blockSize]byte // padding; a field so that it is not allocated per write
}

// writeTar writes the tar of entries, already in tar order, and returns its
// length.
func writeTar(w io.Writer, es []Entry) (int64, error) {
	tw := &tarWriter{w: w}
	for i := range es {
		tw.entry(&es[i])
	}
	tw.write(tw.zero[:]) // the end of the archive: two zero blocks
	tw.write(tw.zero[:])
	return tw.n, tw.err
}

func (tw *tarWriter) write(b []byte) {
	if tw.err != nil {
		return
	}
	n, err := tw.w.Write(b)
	tw.n += int64(n)
	tw.err = err
}

// pad writes the zeros that complete the last block of n bytes of content.
func (tw *tarWriter) pad(n int64) {
	if r := n % blockSize; r != 0 {
		tw.write(tw.zero[:blockSize-r])
	}
}

// tarMode is the mode field of a header: permissions plus the classic
// setuid, setgid and sticky bits, without file type bits, as Go's
// tar.FileInfoHeader (and so Docker and containerd) record it.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// header is what one tar header says before it is encoded.
type header struct {
	name, linkname string
	typeflag       byte
	mode           int64
	uid, gid       int64
	size           int64
}

func (tw *tarWriter) entry(e *Entry) {
	h := header{
		name: e.Path,
		mode: tarMode(e.Mode),
		uid:  int64(e.UID),
		gid:  int64(e.GID),
	}
	switch e.Type {
	case TypeDir:
		h.typeflag, h.name = typeDir, e.Path+"/"
	case TypeSymlink:
		h.typeflag, h.linkname = typeSymlink, e.Linkname
	default:
		h.typeflag, h.size = typeReg, e.Size
		if int64(len(e.Data)) < e.Size {
			tw.sparse(h, e.Data)
			return
		}
	}
	tw.plain(h)
	if h.typeflag == typeReg {
		tw.write(e.Data)
		tw.pad(int64(len(e.Data)))
	}
}

// plain writes a header the way archive/tar's Writer does when no format is
// asked for: USTAR when every field fits (splitting a long name into the
// prefix field if it can), otherwise PAX records for what does not fit.
func (tw *tarWriter) plain(h header) {
	var buf [5]paxRec
	recs := buf[:0]
	ustar := true
	if len(h.name) > nameSize || !isASCII(h.name) {
		if _, _, ok := splitUSTARPath(h.name); !ok {
			ustar = false
		}
		recs = append(recs, paxRec{paxPath, h.name})
	}
	if len(h.linkname) > nameSize || !isASCII(h.linkname) {
		ustar = false
		recs = append(recs, paxRec{paxLinkpath, h.linkname})
	}
	n := len(recs)
	if recs = numericRecs(recs, h); len(recs) > n {
		ustar = false
	}
	if ustar {
		prefix := ""
		if p, n, ok := splitUSTARPath(h.name); ok {
			prefix, h.name = p, n
		}
		tw.header(h, prefix)
		return
	}
	tw.pax(h.name, recs)
	h.name = toASCII(h.name)
	h.linkname = toASCII(h.linkname)
	tw.header(h, "")
}

// sparse writes a regular file whose bytes past data are zeros as a GNU
// sparse 1.0 entry: a PAX header names the file and its real size, the entry
// itself carries a fake name under GNUSparseFile.0 (what a reader that knows
// no sparse files extracts), and its content is the text sparse map padded to
// a block, then the one data fragment. The map ends, as GNU tar's does, with
// an empty fragment at the real size, so the trailing hole is explicit.
func (tw *tarWriter) sparse(h header, data []byte) {
	var m []byte
	if len(data) > 0 {
		m = append(m, "2\n0\n"...)
		m = strconv.AppendInt(m, int64(len(data)), 10)
		m = append(m, '\n')
	} else {
		m = append(m, "1\n"...)
	}
	m = strconv.AppendInt(m, h.size, 10)
	m = append(m, "\n0\n"...)
	mapLen := (int64(len(m)) + blockSize - 1) / blockSize * blockSize

	var buf [7]paxRec
	recs := append(buf[:0],
		paxRec{paxSparseMajor, "1"},
		paxRec{paxSparseMinor, "0"},
		paxRec{paxSparseName, h.name},
		paxRec{paxSparseRealSize, strconv.FormatInt(h.size, 10)},
	)
	h.size = mapLen + int64(len(data))
	recs = numericRecs(recs, h)
	tw.pax(h.name, recs)
	dir, file := path.Split(h.name)
	h.name = toASCII(path.Join(dir, "GNUSparseFile.0", file))
	tw.header(h, "")
	tw.write(m)
	tw.pad(int64(len(m)))
	tw.write(data)
	tw.pad(int64(len(data)))
}

// numericRecs adds a record for each numeric field of h too big for its
// octal field.
func numericRecs(recs []paxRec, h header) []paxRec {
	if !fitsInOctal(8, h.uid) {
		recs = append(recs, paxRec{paxUID, strconv.FormatInt(h.uid, 10)})
	}
	if !fitsInOctal(8, h.gid) {
		recs = append(recs, paxRec{paxGID, strconv.FormatInt(h.gid, 10)})
	}
	if !fitsInOctal(12, h.size) {
		recs = append(recs, paxRec{paxSize, strconv.FormatInt(h.size, 10)})
	}
	return recs
}

// pax writes the extended header that precedes the entry called name, named
// like archive/tar names it: PaxHeaders.0 in the entry's directory. Records
// are sorted by key, as archive/tar sorts them.
func (tw *tarWriter) pax(name string, recs []paxRec) {
	slices.SortFunc(recs, func(a, b paxRec) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(paxRecord(r.key, r.value))
	}
	dir, file := path.Split(name)
	hname := toASCII(path.Join(dir, "PaxHeaders.0", file))
	if len(hname) > nameSize {
		hname = hname[:nameSize]
	}
	hname = strings.TrimRight(hname, "/")

	// A minimal header, as archive/tar and GNU tar write them: no owner
	// names or device numbers, only the fields a reader needs.
	tw.blk = [blockSize]byte{}
	blk := tw.blk[:]
	formatString(blk[offName:offName+nameSize], hname)
	formatOctal(blk[offMode:offMode+8], 0)
	formatOctal(blk[offUID:offUID+8], 0)
	formatOctal(blk[offGID:offGID+8], 0)
	formatOctal(blk[offSize:offSize+12], int64(b.Len()))
	formatOctal(blk[offMtime:offMtime+12], 0)
	blk[offType] = typeXHeader
	tw.finish()
	tw.write([]byte(b.String()))
	tw.pad(int64(b.Len()))
}

// header encodes h (with prefix in the USTAR prefix field) into one block.
// Values that do not fit were already written as PAX records; their field
// gets what archive/tar puts there, a truncated name or a zero.
func (tw *tarWriter) header(h header, prefix string) {
	tw.blk = [blockSize]byte{}
	blk := tw.blk[:]
	formatString(blk[offName:offName+nameSize], h.name)
	formatOctal(blk[offMode:offMode+8], h.mode)
	formatOctal(blk[offUID:offUID+8], h.uid)
	formatOctal(blk[offGID:offGID+8], h.gid)
	formatOctal(blk[offSize:offSize+12], h.size)
	formatOctal(blk[offMtime:offMtime+12], ModTime)
	blk[offType] = h.typeflag
	formatString(blk[offLinkname:offLinkname+nameSize], h.linkname)
	formatOctal(blk[offDevMajor:offDevMajor+8], 0)
	formatOctal(blk[offDevMinor:offDevMinor+8], 0)
	formatString(blk[offPrefix:offPrefix+prefixSize], prefix)
	tw.finish()
}

// finish stamps the USTAR magic and the checksum on tw.blk and writes it.
func (tw *tarWriter) finish() {
	blk := tw.blk[:]
	copy(blk[offMagic:], "ustar\x00")
	copy(blk[offVersion:], "00")
	formatOctal(blk[offChksum:offChksum+7], checksum(&tw.blk))
	blk[offChksum+7] = ' '
	tw.write(blk)
}

// checksum is the unsigned sum of the header bytes, with the checksum field
// (still zero here) counted as eight spaces. It adds eight bytes at a time in
// 16-bit lanes, which cannot overflow over one block: 64 words of at most
// 2*255 per lane.
func checksum(blk *[blockSize]byte) int64 {
	const lanes = 0x00ff00ff00ff00ff
	var acc uint64
	for i := 0; i < blockSize; i += 8 {
		v := binary.LittleEndian.Uint64(blk[i:])
		acc += v&lanes + (v>>8)&lanes
	}
	sum := acc&0xffff + (acc>>16)&0xffff + (acc>>32)&0xffff + acc>>48
	return int64(sum) + 8*' '
}

// formatString copies s into the field, NUL terminated when there is room.
// Like archive/tar, a truncated name never ends in a slash there, so a
// reader that ignores the PAX path does not take a file for a directory.
func formatString(b []byte, s string) {
	copy(b, s)
	if len(s) < len(b) {
		b[len(s)] = 0
	}
	if len(s) > len(b) && b[len(b)-1] == '/' {
		n := len(strings.TrimRight(s[:len(b)-1], "/"))
		b[n] = 0
	}
}

// formatOctal writes x as zero-padded octal followed by a NUL; a value that
// does not fit is written as zero (the PAX record carries it).
func formatOctal(b []byte, x int64) {
	if !fitsInOctal(len(b), x) {
		x = 0
	}
	b[len(b)-1] = 0
	for i := len(b) - 2; i >= 0; i-- {
		b[i] = '0' + byte(x&7)
		x >>= 3
	}
}

// fitsInOctal reports whether x fits an n-byte octal field with its NUL.
func fitsInOctal(n int, x int64) bool {
	return x >= 0 && (n >= 22 || x < 1<<(uint(n-1)*3))
}

// splitUSTARPath splits a long name into the USTAR prefix and name fields
// at a slash, when both parts fit and the name is ASCII.
func splitUSTARPath(name string) (prefix, suffix string, ok bool) {
	length := len(name)
	if length <= nameSize || !isASCII(name) {
		return "", "", false
	} else if length > prefixSize+1 {
		length = prefixSize + 1
	} else if name[length-1] == '/' {
		length--
	}
	i := strings.LastIndex(name[:length], "/")
	nlen := len(name) - i - 1
	if i <= 0 || nlen > nameSize || nlen == 0 || i > prefixSize {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// paxRecord formats one "<length> <key>=<value>\n" record, where the length
// counts itself.
func paxRecord(k, v string) string {
	const padding = 3 // ' ', '=' and '\n'
	size := len(k) + len(v) + padding
	size += len(strconv.Itoa(size))
	rec := strconv.Itoa(size) + " " + k + "=" + v + "\n"
	if len(rec) != size {
		size = len(rec)
		rec = strconv.Itoa(size) + " " + k + "=" + v + "\n"
	}
	return rec
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
}

// toASCII drops what a USTAR field cannot hold; the PAX record has the
// real value.
func toASCII(s string) string {
	if isASCII(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 && c != 0 {
			b = append(b, c)
		}
	}
	return string(b)
}
