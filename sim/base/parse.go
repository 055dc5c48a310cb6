package base

// The data format of the embedded catalog (data/*.txt).
//
// A file is a list of blocks. Lines starting with '#' and blank lines are
// ignored outside text blocks. Tokens are separated by spaces; a token may be
// a Go double-quoted string.
//
//	text NAME                 verbatim lines up to a line "end"; each line
//	...                       keeps its newline. Entries refer to it as @NAME.
//	end
//
//	packages NAME             package records for the dpkg and apk databases:
//	NAME VERSION ARCH SIZE DESCRIPTION...
//	end
//
//	fragment NAME             entry lines shared by several images; ${KEY}
//	...                       is replaced by the value "use NAME KEY=VALUE"
//	end                       gives
//
//	image REF [ALIAS...]      one image, ending at "end"
//	from REF                  start from another image of the catalog: its
//	                          layers, config, history and package databases
//	at TIME                   RFC 3339 time of the entries below and of the image
//	comment TEXT              history comment of the entries below ("-": none)
//	config INSTRUCTION        apply a metadata instruction (ENV, CMD, …) to the
//	                          config without a history entry
//	meta CREATED_BY           a history entry without a layer (CREATED_BY may be
//	                          a Go quoted string, for tabs); its instruction
//	                          (BuildKit or classic "/bin/sh -c #(nop)" form) is
//	                          applied to the config as the builder did
//	layer CREATED_BY          a history entry with a layer; entry lines follow;
//	                          "{diffid}" in the text becomes the layer's digest
//	size SIZE                 the real layer's size: "*" entries share what the
//	                          listed sizes leave
//	use FRAGMENT [KEY=VALUE...]
//	dpkg PACKAGES...          add package records to var/lib/dpkg/status and
//	apk PACKAGES...           lib/apk/db/installed and write the file into the layer
//	end
//
// Entry lines (paths relative to the root; missing parent directories are
// added to the layer as real layer tars have them):
//
//	d PATH [MODE] [UID:GID]                   directory, 0755 by default
//	f PATH SIZE [MODE] [UID:GID] [CONTENT]    regular file, 0644 by default
//	x PATH SIZE [MODE] [UID:GID] [CONTENT]    executable, 0755; without
//	                                          CONTENT it starts with an ELF header
//	l PATH TARGET                             symbolic link
//	w PATH                                    whiteout: PATH deleted by this layer
//
// SIZE is bytes with an optional decimal k, M or G suffix ("1.5M"), "-" for
// the length of CONTENT, or "*" / "*N" for a share (weight N) of the rest of
// the layer's size. MODE is four octal digits. CONTENT is @TEXT, @TEXT+@TEXT
// (one after the other) or a quoted string; a file longer than its content
// reads as zeros past it.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/layer"
)

// source is the parsed but not yet built catalog.
type source struct {
	texts     map[string]string
	packages  map[string][]pkgRecord
	fragments map[string][]srcLine
	images    map[string]*imageDef
	order     []string
}

type srcLine struct {
	file string
	num  int
	text string
}

func (l srcLine) errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", l.file, l.num, fmt.Sprintf(format, args...))
}

type imageDef struct {
	ref     string
	aliases []string
	lines   []srcLine
	at      srcLine
}

type pkgRecord struct {
	name, version, arch string
	size                int64
	desc                string
}

func newSource() *source {
	return &source{
		texts:     map[string]string{},
		packages:  map[string][]pkgRecord{},
		fragments: map[string][]srcLine{},
		images:    map[string]*imageDef{},
	}
}

// parse reads one data file into s.
func (s *source) parse(file, data string) error {
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		line := srcLine{file, i + 1, lines[i]}
		trimmed := strings.TrimSpace(line.text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		kind, name, _ := strings.Cut(trimmed, " ")
		name = strings.TrimSpace(name)
		if name == "" {
			return line.errorf("%s needs a name", kind)
		}
		// every block runs to a line "end"
		var body []srcLine
		end := -1
		for j := i + 1; j < len(lines); j++ {
			if strings.TrimSpace(lines[j]) == "end" {
				end = j
				break
			}
			body = append(body, srcLine{file, j + 1, lines[j]})
		}
		if end < 0 {
			return line.errorf("%s %s has no end", kind, name)
		}
		i = end
		switch kind {
		case "text":
			if _, dup := s.texts[name]; dup {
				return line.errorf("text %s defined twice", name)
			}
			var b strings.Builder
			for _, l := range body {
				b.WriteString(l.text)
				b.WriteByte('\n')
			}
			s.texts[name] = b.String()
		case "packages":
			recs, err := parsePackages(body)
			if err != nil {
				return err
			}
			s.packages[name] = recs
		case "fragment":
			if _, dup := s.fragments[name]; dup {
				return line.errorf("fragment %s defined twice", name)
			}
			s.fragments[name] = body
		case "image":
			refs := strings.Fields(name)
			if _, dup := s.images[refs[0]]; dup {
				return line.errorf("image %s defined twice", refs[0])
			}
			s.images[refs[0]] = &imageDef{ref: refs[0], aliases: refs[1:], lines: body, at: line}
			s.order = append(s.order, refs[0])
		default:
			return line.errorf("unknown block %q", kind)
		}
	}
	return nil
}

func parsePackages(body []srcLine) ([]pkgRecord, error) {
	var recs []pkgRecord
	for _, l := range body {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Fields(t)
		if len(f) < 5 {
			return nil, l.errorf("package record needs name, version, arch, size and description")
		}
		size, err := sim.ParseSize(f[3])
		if err != nil {
			return nil, l.errorf("%v", err)
		}
		recs = append(recs, pkgRecord{f[0], f[1], f[2], size, strings.Join(f[4:], " ")})
	}
	return recs, nil
}

// built is an image under construction together with what its children need
// to know about its merged tree.
type built struct {
	img   *Image
	nodes map[string]node // every path of the merged view
	dpkg  []pkgRecord
	apk   []pkgRecord
}

type node struct {
	typ      layer.Type
	mode     fs.FileMode
	uid, gid int
}

// build turns every image definition into an Image.
func (s *source) build() ([]*Image, error) {
	done := map[string]*built{}
	busy := map[string]bool{}
	var out []*Image
	for _, ref := range s.order {
		b, err := s.buildImage(ref, done, busy)
		if err != nil {
			return nil, err
		}
		out = append(out, b.img)
	}
	return out, nil
}

func (s *source) buildImage(ref string, done map[string]*built, busy map[string]bool) (*built, error) {
	if b, ok := done[ref]; ok {
		return b, nil
	}
	def, ok := s.images[ref]
	if !ok {
		return nil, fmt.Errorf("base image data: no image %s", ref)
	}
	if busy[ref] {
		return nil, def.at.errorf("image %s is its own ancestor", ref)
	}
	busy[ref] = true
	defer delete(busy, ref)

	ib := &imageBuilder{src: s, def: def, b: &built{img: &Image{Ref: def.ref, Aliases: def.aliases}, nodes: map[string]node{}}}
	for i, line := range def.lines {
		t := strings.TrimSpace(line.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		kind, rest, _ := strings.Cut(t, " ")
		rest = strings.TrimSpace(rest)
		if kind == "from" {
			if i != firstLine(def.lines) {
				return nil, line.errorf("from must come first")
			}
			if rest != "scratch" {
				parent, err := s.buildImage(rest, done, busy)
				if err != nil {
					return nil, err
				}
				ib.inherit(parent)
			}
			continue
		}
		if err := ib.line(line, kind, rest); err != nil {
			return nil, err
		}
	}
	if err := ib.closeLayer(); err != nil {
		return nil, err
	}
	ib.finish()
	done[ref] = ib.b
	return ib.b, nil
}

func firstLine(lines []srcLine) int {
	for i, l := range lines {
		t := strings.TrimSpace(l.text)
		if t != "" && !strings.HasPrefix(t, "#") {
			return i
		}
	}
	return -1
}

// imageBuilder applies the lines of one image block.
type imageBuilder struct {
	src     *source
	def     *imageDef
	b       *built
	at      *time.Time
	comment string
	cmdSet  bool // CMD was set in this block, so ENTRYPOINT keeps it
	cur     *layerBuilder
}

type layerBuilder struct {
	line    srcLine
	history int // index of the layer's history entry
	entries []layer.Entry
	weights []int
	index   map[string]int
	target  int64
}

func (ib *imageBuilder) inherit(p *built) {
	img := ib.b.img
	img.Layers = slices.Clone(p.img.Layers)
	img.Config = cloneConfig(p.img.Config)
	ib.at = p.img.Config.Created
	for k, v := range p.nodes {
		ib.b.nodes[k] = v
	}
	ib.b.dpkg = slices.Clone(p.dpkg)
	ib.b.apk = slices.Clone(p.apk)
}

func (ib *imageBuilder) line(line srcLine, kind, rest string) error {
	switch kind {
	case "at", "comment", "config", "meta", "layer":
		if err := ib.closeLayer(); err != nil {
			return err
		}
	}
	if (kind == "meta" || kind == "layer") && strings.HasPrefix(rest, "\"") {
		// a quoted created-by keeps the tabs of a real RUN line readable
		u, err := strconv.Unquote(rest)
		if err != nil {
			return line.errorf("bad quoted text: %v", err)
		}
		rest = u
	}
	switch kind {
	case "at":
		t, err := time.Parse(time.RFC3339, rest)
		if err != nil {
			return line.errorf("bad time: %v", err)
		}
		t = t.UTC()
		ib.at = &t
	case "comment":
		ib.comment = rest
		if rest == "-" {
			ib.comment = ""
		}
	case "config":
		if err := ib.apply(line, rest); err != nil {
			return err
		}
	case "meta":
		if err := ib.apply(line, rest); err != nil {
			return err
		}
		ib.history(rest, true)
	case "layer":
		if rest == "" {
			return line.errorf("layer needs its created-by text")
		}
		if strings.HasPrefix(rest, "WORKDIR ") {
			// BuildKit's WORKDIR both sets the config and makes a layer
			if err := ib.apply(line, rest); err != nil {
				return err
			}
		}
		ib.history(rest, false)
		ib.cur = &layerBuilder{line: line, history: len(ib.b.img.Config.History) - 1, index: map[string]int{}, target: -1}
	default:
		if ib.cur == nil {
			return line.errorf("%s outside a layer", kind)
		}
		return ib.layerLine(line, kind, rest, 0)
	}
	return nil
}

func (ib *imageBuilder) history(createdBy string, empty bool) {
	h := ocispec.History{CreatedBy: createdBy, Comment: ib.comment, EmptyLayer: empty}
	if ib.at != nil {
		t := *ib.at
		h.Created = &t
	}
	ib.b.img.Config.History = append(ib.b.img.Config.History, h)
}

// layerLine handles one line inside a layer; depth guards nested fragments.
func (ib *imageBuilder) layerLine(line srcLine, kind, rest string, depth int) error {
	lb := ib.cur
	switch kind {
	case "size":
		n, err := sim.ParseSize(rest)
		if err != nil {
			return line.errorf("%v", err)
		}
		lb.target = n
		return nil
	case "use":
		if depth > 8 {
			return line.errorf("fragments nested too deep")
		}
		f, err := useFields(rest)
		if err != nil {
			return line.errorf("%v", err)
		}
		if len(f) == 0 {
			return line.errorf("use needs a fragment name")
		}
		body, ok := ib.src.fragments[f[0]]
		if !ok {
			return line.errorf("no fragment %s", f[0])
		}
		vars := map[string]string{}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return line.errorf("use wants KEY=VALUE, not %q", kv)
			}
			vars[k] = v
		}
		for _, fl := range body {
			text, err := expand(fl, vars)
			if err != nil {
				return err
			}
			t := strings.TrimSpace(text)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			k, r, _ := strings.Cut(t, " ")
			if err := ib.layerLine(srcLine{fl.file, fl.num, text}, k, strings.TrimSpace(r), depth+1); err != nil {
				return err
			}
		}
		return nil
	case "dpkg", "apk":
		return ib.packageDB(line, kind, strings.Fields(rest))
	}
	toks, err := tokenize(rest)
	if err != nil {
		return line.errorf("%v", err)
	}
	if len(toks) == 0 {
		return line.errorf("%s needs a path", kind)
	}
	p := toks[0]
	switch kind {
	case "d":
		e := layer.Entry{Path: p, Type: layer.TypeDir, Mode: 0o755}
		if err := attrs(&e, toks[1:], nil); err != nil {
			return line.errorf("%v", err)
		}
		return ib.add(line, e, 0)
	case "l":
		if len(toks) != 2 {
			return line.errorf("l needs a path and a target")
		}
		return ib.add(line, layer.Entry{Path: p, Type: layer.TypeSymlink, Mode: 0o777, Linkname: toks[1]}, 0)
	case "w":
		if len(toks) != 1 {
			return line.errorf("w needs one path")
		}
		dir, name := splitPath(p)
		wh := layer.WhiteoutPrefix + name
		if dir != "" {
			wh = dir + "/" + wh
		}
		if err := ib.add(line, layer.Entry{Path: wh, Type: layer.TypeReg}, 0); err != nil {
			return err
		}
		ib.forget(p)
		return nil
	case "f", "x":
		if len(toks) < 2 {
			return line.errorf("%s needs a path and a size", kind)
		}
		e := layer.Entry{Path: p, Type: layer.TypeReg, Mode: 0o644}
		if kind == "x" {
			e.Mode = 0o755
		}
		var content *string
		if err := attrs(&e, toks[2:], func(c string) error {
			if strings.HasPrefix(c, "@") {
				// "@a+@b" is text a followed by text b
				var t string
				for _, part := range strings.Split(c, "+") {
					text, ok := ib.src.texts[strings.TrimPrefix(part, "@")]
					if !ok || !strings.HasPrefix(part, "@") {
						return fmt.Errorf("no text %s", part)
					}
					t += text
				}
				content = &t
				return nil
			}
			content = &c
			return nil
		}); err != nil {
			return line.errorf("%v", err)
		}
		weight := 0
		switch sz := toks[1]; {
		case sz == "-":
			if content == nil {
				return line.errorf("size - needs content")
			}
			e.Size = int64(len(*content))
		case strings.HasPrefix(sz, "*"):
			weight = 1
			if len(sz) > 1 {
				w, err := strconv.Atoi(sz[1:])
				if err != nil || w < 1 {
					return line.errorf("bad weight %q", sz)
				}
				weight = w
			}
		default:
			n, err := sim.ParseSize(sz)
			if err != nil {
				return line.errorf("%v", err)
			}
			e.Size = n
		}
		switch {
		case content != nil:
			e.Data = []byte(*content)
			if weight == 0 && int64(len(e.Data)) > e.Size {
				return line.errorf("content of %s is longer than its size", p)
			}
		case kind == "x":
			e.Data = elfStub(p)
		}
		return ib.add(line, e, weight)
	}
	return line.errorf("unknown line %q", kind)
}

// add puts e into the current layer with the parent directories it needs.
func (ib *imageBuilder) add(line srcLine, e layer.Entry, weight int) error {
	if e.Path == "" || strings.HasPrefix(e.Path, "/") || strings.Contains(e.Path, "//") || strings.HasSuffix(e.Path, "/") {
		return line.errorf("path %q must be relative and clean", e.Path)
	}
	for _, part := range strings.Split(e.Path, "/") {
		if part == "." || part == ".." {
			return line.errorf("path %q must be clean", e.Path)
		}
	}
	lb := ib.cur
	dir, _ := splitPath(e.Path)
	var parents []string
	for d := dir; d != ""; d, _ = splitPath(d) {
		parents = append(parents, d)
	}
	for i := len(parents) - 1; i >= 0; i-- {
		d := parents[i]
		n, known := ib.b.nodes[d]
		if known && n.typ != layer.TypeDir {
			return line.errorf("%s: parent %s is not a directory", e.Path, d)
		}
		if _, ok := lb.index[d]; ok {
			continue
		}
		pe := layer.Entry{Path: d, Type: layer.TypeDir, Mode: 0o755}
		if known {
			pe.Mode, pe.UID, pe.GID = n.mode, n.uid, n.gid
		}
		lb.index[d] = len(lb.entries)
		lb.entries = append(lb.entries, pe)
		lb.weights = append(lb.weights, 0)
		ib.b.nodes[d] = node{layer.TypeDir, pe.Mode, pe.UID, pe.GID}
	}
	if i, ok := lb.index[e.Path]; ok {
		// an implied parent directory may be declared explicitly later
		if lb.entries[i].Type == layer.TypeDir && e.Type == layer.TypeDir {
			lb.entries[i] = e
			ib.b.nodes[e.Path] = node{e.Type, e.Mode, e.UID, e.GID}
			return nil
		}
		return line.errorf("%s appears twice in one layer", e.Path)
	}
	if n, ok := ib.b.nodes[e.Path]; ok && n.typ == layer.TypeDir && e.Type != layer.TypeDir {
		return line.errorf("%s replaces a directory", e.Path)
	}
	lb.index[e.Path] = len(lb.entries)
	lb.entries = append(lb.entries, e)
	lb.weights = append(lb.weights, weight)
	if !strings.HasPrefix(pathBase(e.Path), layer.WhiteoutPrefix) {
		ib.b.nodes[e.Path] = node{e.Type, e.Mode, e.UID, e.GID}
	}
	return nil
}

// forget drops p and everything under it from the merged view.
func (ib *imageBuilder) forget(p string) {
	for k := range ib.b.nodes {
		if k == p || strings.HasPrefix(k, p+"/") {
			delete(ib.b.nodes, k)
		}
	}
}

// closeLayer sizes the open layer and freezes it.
func (ib *imageBuilder) closeLayer() error {
	lb := ib.cur
	if lb == nil {
		return nil
	}
	ib.cur = nil
	var fixed int64
	weight := 0
	for i, e := range lb.entries {
		if lb.weights[i] == 0 {
			fixed += e.Size
		}
		weight += lb.weights[i]
	}
	switch {
	case lb.target < 0 && weight > 0:
		return lb.line.errorf("layer has * sizes but no size line")
	case lb.target >= 0 && fixed > lb.target:
		return lb.line.errorf("layer files add up to %d bytes, more than its size %d", fixed, lb.target)
	case lb.target >= 0 && weight == 0 && fixed != lb.target:
		return lb.line.errorf("layer files add up to %d bytes, not its size %d", fixed, lb.target)
	}
	if weight > 0 {
		rest := lb.target - fixed
		left := rest
		last := -1
		for i := range lb.entries {
			if lb.weights[i] > 0 {
				last = i
			}
		}
		for i := range lb.entries {
			w := lb.weights[i]
			if w == 0 {
				continue
			}
			share := rest * int64(w) / int64(weight)
			if i == last {
				share = left
			}
			left -= share
			lb.entries[i].Size = share
			if int64(len(lb.entries[i].Data)) > share {
				lb.entries[i].Data = lb.entries[i].Data[:share]
			}
		}
	}
	l, err := layer.New(lb.entries)
	if err != nil {
		return lb.line.errorf("building layer: %v", err)
	}
	img := ib.b.img
	// the classic builder names the added tarball by its content hash
	h := &img.Config.History[lb.history]
	h.CreatedBy = strings.ReplaceAll(h.CreatedBy, "{diffid}", l.DiffID().Encoded())
	img.Layers = append(img.Layers, l)
	img.Config.RootFS.DiffIDs = append(img.Config.RootFS.DiffIDs, l.DiffID())
	return nil
}

func (ib *imageBuilder) finish() {
	img := ib.b.img
	if img.Ref == "scratch" {
		img.Config = ocispec.Image{}
		return
	}
	img.Config.Platform = ocispec.Platform{Architecture: "amd64", OS: "linux"}
	img.Config.RootFS.Type = "layers"
	if ib.at != nil {
		t := *ib.at
		img.Config.Created = &t
	}
	img.RealSize = 0
	for _, l := range img.Layers {
		img.RealSize += l.Size()
	}
}

// apply changes the config the way the builder did for a metadata
// instruction. It accepts BuildKit's history text ("ENV A=b", `CMD ["x" "y"]`,
// "EXPOSE map[80/tcp:{}]") and the classic builder's ("/bin/sh -c #(nop)  CMD
// [\"bash\"]").
func (ib *imageBuilder) apply(line srcLine, text string) error {
	text = strings.TrimSpace(strings.TrimPrefix(text, "/bin/sh -c #(nop)"))
	instr, args, _ := strings.Cut(text, " ")
	args = strings.TrimSpace(args)
	cfg := &ib.b.img.Config.Config
	switch instr {
	case "ENV":
		for _, kv := range pairs(args) {
			k, v, _ := strings.Cut(kv, "=")
			cfg.Env = setEnv(cfg.Env, k, v)
		}
	case "LABEL":
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range pairs(args) {
			k, v, _ := strings.Cut(kv, "=")
			cfg.Labels[k] = v
		}
	case "CMD", "ENTRYPOINT":
		list, err := parseList(args)
		if err != nil {
			return line.errorf("%s: %v", instr, err)
		}
		if instr == "CMD" {
			cfg.Cmd = list
			ib.cmdSet = true
		} else {
			cfg.Entrypoint = list
			if !ib.cmdSet {
				cfg.Cmd = nil
			}
		}
	case "WORKDIR":
		cfg.WorkingDir = args
	case "USER":
		cfg.User = args
	case "STOPSIGNAL":
		cfg.StopSignal = args
	case "EXPOSE":
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		args = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(args, "map"), "["), "]")
		for _, p := range strings.Fields(args) {
			p = strings.TrimSuffix(p, ":{}")
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			cfg.ExposedPorts[p] = struct{}{}
		}
	case "ARG", "MAINTAINER":
		// recorded in history only
	default:
		return line.errorf("%q is not a metadata instruction", instr)
	}
	return nil
}

// pairs splits "A=1 B=2" into pairs, or keeps "k=a value with spaces" whole.
func pairs(s string) []string {
	f := strings.Fields(s)
	for _, kv := range f {
		if !strings.Contains(kv, "=") {
			return []string{s}
		}
	}
	return f
}

func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// parseList reads a JSON array or BuildKit's %q form ["nginx" "-g" "daemon off;"].
func parseList(s string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err == nil {
		return out, nil
	}
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return nil, fmt.Errorf("want a list, got %q", s)
	}
	rest := strings.TrimSpace(s[1 : len(s)-1])
	for rest != "" {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return nil, fmt.Errorf("bad list %q", s)
		}
		v, _ := strconv.Unquote(q)
		out = append(out, v)
		rest = strings.TrimSpace(rest[len(q):])
	}
	return out, nil
}

// packageDB adds package records to the image's dpkg or apk database and
// writes the database file into the current layer.
func (ib *imageBuilder) packageDB(line srcLine, kind string, lists []string) error {
	db := &ib.b.dpkg
	if kind == "apk" {
		db = &ib.b.apk
	}
	for _, name := range lists {
		recs, ok := ib.src.packages[name]
		if !ok {
			return line.errorf("no packages %s", name)
		}
		for _, r := range recs {
			i := slices.IndexFunc(*db, func(o pkgRecord) bool { return o.name == r.name })
			if i >= 0 {
				(*db)[i] = r
			} else {
				*db = append(*db, r)
			}
		}
	}
	sort.Slice(*db, func(i, j int) bool { return (*db)[i].name < (*db)[j].name })
	var b strings.Builder
	path := "var/lib/dpkg/status"
	if kind == "apk" {
		path = "lib/apk/db/installed"
		for _, r := range *db {
			fmt.Fprintf(&b, "P:%s\nV:%s\nA:%s\nI:%d\nT:%s\n\n", r.name, r.version, r.arch, r.size, r.desc)
		}
	} else {
		for _, r := range *db {
			fmt.Fprintf(&b, "Package: %s\nStatus: install ok installed\nInstalled-Size: %d\nArchitecture: %s\nVersion: %s\nDescription: %s\n\n",
				r.name, (r.size+1023)/1024, r.arch, r.version, r.desc)
		}
	}
	content := b.String()
	return ib.add(line, layer.Entry{Path: path, Type: layer.TypeReg, Mode: 0o644, Size: int64(len(content)), Data: []byte(content)}, 0)
}

// attrs reads the optional MODE, UID:GID and CONTENT tokens of an entry.
func attrs(e *layer.Entry, toks []string, content func(string) error) error {
	for _, t := range toks {
		switch {
		case len(t) == 4 && isOctal(t):
			m, _ := strconv.ParseUint(t, 8, 32)
			e.Mode = fs.FileMode(m & 0o777)
			if m&0o4000 != 0 {
				e.Mode |= fs.ModeSetuid
			}
			if m&0o2000 != 0 {
				e.Mode |= fs.ModeSetgid
			}
			if m&0o1000 != 0 {
				e.Mode |= fs.ModeSticky
			}
		case strings.Contains(t, ":") && !strings.HasPrefix(t, "@") && !strings.HasPrefix(t, "\x00"):
			u, g, _ := strings.Cut(t, ":")
			uid, err1 := strconv.Atoi(u)
			gid, err2 := strconv.Atoi(g)
			if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
				return fmt.Errorf("bad owner %q", t)
			}
			e.UID, e.GID = uid, gid
		case content != nil && (strings.HasPrefix(t, "@") || strings.HasPrefix(t, "\x00")):
			if err := content(strings.TrimPrefix(t, "\x00")); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected %q", strings.TrimPrefix(t, "\x00"))
		}
	}
	return nil
}

func isOctal(s string) bool {
	for _, c := range s {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// tokenize splits on spaces; a double-quoted Go string is one token, marked
// with a leading NUL so it cannot be mistaken for a mode or an owner.
func tokenize(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad quoted string in %q", s)
			}
			v, _ := strconv.Unquote(q)
			out = append(out, "\x00"+v)
			s = s[len(q):]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}

// useFields splits "NAME K=V K2=\"a b\"" into fields, unquoting quoted values.
func useFields(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		end := strings.IndexAny(s, " \t")
		if eq := strings.Index(s, "=\""); eq >= 0 && (end < 0 || eq < end) {
			q, err := strconv.QuotedPrefix(s[eq+1:])
			if err != nil {
				return nil, fmt.Errorf("bad quoted value in %q", s)
			}
			v, _ := strconv.Unquote(q)
			out = append(out, s[:eq+1]+v)
			s = s[eq+1+len(q):]
			continue
		}
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}

func expand(l srcLine, vars map[string]string) (string, error) {
	text := l.text
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		j := strings.Index(text[i:], "}")
		if j < 0 {
			return "", l.errorf("unclosed ${")
		}
		name := text[i+2 : i+j]
		v, ok := vars[name]
		if !ok {
			return "", l.errorf("no value for ${%s}", name)
		}
		b.WriteString(text[:i])
		b.WriteString(v)
		text = text[i+j+1:]
	}
}

func splitPath(p string) (dir, name string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

func pathBase(p string) string {
	_, name := splitPath(p)
	return name
}

// elfStub is the start of a teaching copy of a binary: an ELF identification
// and header prefix (64-bit, little endian, x86-64 shared object) followed by
// a note, so file-type sniffers and curious learners both get an honest answer.
func elfStub(p string) []byte {
	b := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0, 1, 0, 0, 0}
	return append(b, "\nteaching copy of /"+p+": real size, no machine code\n"...)
}

func cloneConfig(c ocispec.Image) ocispec.Image {
	out := c
	out.Config.Env = slices.Clone(c.Config.Env)
	out.Config.Cmd = slices.Clone(c.Config.Cmd)
	out.Config.Entrypoint = slices.Clone(c.Config.Entrypoint)
	if c.Config.Labels != nil {
		out.Config.Labels = make(map[string]string, len(c.Config.Labels))
		for k, v := range c.Config.Labels {
			out.Config.Labels[k] = v
		}
	}
	if c.Config.ExposedPorts != nil {
		out.Config.ExposedPorts = make(map[string]struct{}, len(c.Config.ExposedPorts))
		for k := range c.Config.ExposedPorts {
			out.Config.ExposedPorts[k] = struct{}{}
		}
	}
	if c.Config.Volumes != nil {
		out.Config.Volumes = make(map[string]struct{}, len(c.Config.Volumes))
		for k := range c.Config.Volumes {
			out.Config.Volumes[k] = struct{}{}
		}
	}
	out.RootFS.DiffIDs = slices.Clone(c.RootFS.DiffIDs)
	out.History = slices.Clone(c.History)
	return out
}
