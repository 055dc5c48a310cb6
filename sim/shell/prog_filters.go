package shell

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strconv"
	"strings"
)

// readInputs reads every operand (stdin for none or "-") into one text.
func (t *tool) readInputs(files []string) ([]byte, bool) {
	var all []byte
	for _, f := range inputs(files) {
		r, err := t.open(f)
		if err != nil {
			t.errorf("%s: %s", f, describe(err))
			continue
		}
		data, err := io.ReadAll(io.LimitReader(r, maxRead))
		if err != nil {
			if t.stop() {
				return nil, false
			}
			t.errorf("%s: %s", f, describe(err))
			continue
		}
		all = append(all, data...)
	}
	return all, true
}

func splitLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	s := strings.TrimSuffix(string(data), "\n")
	return strings.Split(s, "\n")
}

// tr [-d] [-s] [-c] SET1 [SET2]
func trProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "dscC", map[string]byte{"delete": 'd', "squeeze-repeats": 's', "complement": 'c'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	set1 := expandSet(o.args[0])
	var set2 []byte
	if len(o.args) > 1 {
		set2 = expandSet(o.args[1])
	}
	if !o.has('d') && !o.has('s') && len(o.args) < 2 {
		t.errorf("missing operand after %s", q(o.args[0]))
		if !t.busybox {
			t.p.Stderr.Write([]byte("Two strings must be given when translating.\nTry 'tr --help' for more information.\n"))
		}
		return 1
	}
	in, ok := t.readInputs(nil)
	if !ok {
		return 1
	}
	var member [256]bool
	for _, c := range set1 {
		member[c] = true
	}
	if o.has('c') || o.has('C') {
		for i := range member {
			member[i] = !member[i]
		}
	}
	var mapping [256]byte
	for i := range mapping {
		mapping[i] = byte(i)
	}
	if !o.has('d') && len(set2) > 0 {
		for i, c := range set1 {
			j := i
			if j >= len(set2) {
				j = len(set2) - 1
			}
			mapping[c] = set2[j]
		}
	}
	var squeeze [256]bool
	sq := set1
	if o.has('d') || len(set2) > 0 {
		sq = set2
	}
	for _, c := range sq {
		squeeze[c] = true
	}
	var out bytes.Buffer
	last := -1
	for _, c := range in {
		if o.has('d') && member[c] {
			continue
		}
		if !o.has('d') && member[c] && len(set2) > 0 {
			c = mapping[c]
		}
		if o.has('s') && squeeze[c] && last == int(c) {
			continue
		}
		last = int(c)
		out.WriteByte(c)
	}
	t.write(out.Bytes())
	return t.status
}

// expandSet expands a tr set: ranges, escapes and the common classes.
func expandSet(s string) []byte {
	classes := map[string]string{
		"[:lower:]": "abcdefghijklmnopqrstuvwxyz", "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"[:digit:]": "0123456789", "[:space:]": " \t\n\r\v\f", "[:blank:]": " \t",
		"[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"[:alnum:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
		"[:punct:]": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		matched := false
		for k, v := range classes {
			if strings.HasPrefix(s[i:], k) {
				out = append(out, v...)
				i += len(k) - 1
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case '\\':
				c = '\\'
			default:
				c = s[i]
			}
		}
		if i+2 < len(s) && s[i+1] == '-' {
			hi := s[i+2]
			for x := int(c); x <= int(hi); x++ {
				out = append(out, byte(x))
			}
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

// cut -d DELIM -f LIST | -c LIST | -b LIST [-s] [FILE…]
func cutProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "d:f:c:b:s", map[string]byte{"delimiter": 'd', "fields": 'f', "characters": 'c', "bytes": 'b', "only-delimited": 's'})
	if err != nil {
		return t.usage("%v", err)
	}
	list, fields := "", false
	switch {
	case o.has('f'):
		list, fields = o.set['f'], true
	case o.has('c'):
		list = o.set['c']
	case o.has('b'):
		list = o.set['b']
	default:
		return t.usage("you must specify a list of bytes, characters, or fields")
	}
	delim := "\t"
	if o.has('d') {
		delim = o.set['d']
		if len(delim) != 1 {
			return t.usage("the delimiter must be a single character")
		}
	}
	want, ok := parseRanges(list)
	if !ok {
		return t.usage("invalid field value %s", q(list))
	}
	in, okIn := t.readInputs(o.args)
	if !okIn {
		return 1
	}
	var out strings.Builder
	for _, line := range splitLines(in) {
		if fields {
			parts := strings.Split(line, delim)
			if len(parts) == 1 {
				if !o.has('s') {
					out.WriteString(line + "\n")
				}
				continue
			}
			var kept []string
			for i, part := range parts {
				if want(i + 1) {
					kept = append(kept, part)
				}
			}
			out.WriteString(strings.Join(kept, delim) + "\n")
			continue
		}
		var b []byte
		for i := 0; i < len(line); i++ {
			if want(i + 1) {
				b = append(b, line[i])
			}
		}
		out.WriteString(string(b) + "\n")
	}
	t.print(out.String())
	return t.status
}

// parseRanges parses "1,3-5,7-" into a membership test.
func parseRanges(list string) (func(int) bool, bool) {
	type r struct{ lo, hi int }
	var rs []r
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		var a, b int
		var err error
		if lo == "" {
			a = 1
		} else if a, err = strconv.Atoi(lo); err != nil || a < 1 {
			return nil, false
		}
		switch {
		case !isRange:
			b = a
		case hi == "":
			b = 1 << 30
		default:
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, false
			}
		}
		rs = append(rs, r{a, b})
	}
	return func(i int) bool {
		for _, x := range rs {
			if i >= x.lo && i <= x.hi {
				return true
			}
		}
		return false
	}, true
}

// sort [-u] [-r] [-n] [-V] [-t SEP -k N] [FILE…]
func sortProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "urnVfbt:k:o:", map[string]byte{
		"unique": 'u', "reverse": 'r', "numeric-sort": 'n', "version-sort": 'V', "ignore-case": 'f',
		"ignore-leading-blanks": 'b', "field-separator": 't', "key": 'k', "output": 'o',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	var in []byte
	for _, f := range inputs(o.args) {
		r, err := t.open(f)
		var data []byte
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(r, maxRead))
		}
		if err != nil {
			if t.stop() {
				return 2
			}
			if t.busybox {
				t.errorf("can't open '%s': %s", f, describe(err))
			} else {
				t.errorf("cannot read: %s: %s", f, describe(err))
			}
			return 2
		}
		in = append(in, data...)
	}
	lines := splitLines(in)
	key := func(s string) string {
		if !o.has('k') {
			return s
		}
		n, _ := strconv.Atoi(strings.SplitN(strings.SplitN(o.set['k'], ",", 2)[0], ".", 2)[0])
		var parts []string
		if o.has('t') {
			parts = strings.Split(s, o.set['t'])
		} else {
			parts = strings.Fields(s)
		}
		if n < 1 || n > len(parts) {
			return ""
		}
		return strings.Join(parts[n-1:], " ")
	}
	less := func(a, b string) bool {
		ka, kb := key(a), key(b)
		if o.has('f') {
			ka, kb = strings.ToLower(ka), strings.ToLower(kb)
		}
		switch {
		case o.has('n'):
			na, _ := strconv.ParseFloat(strings.TrimSpace(numPrefix(ka)), 64)
			nb, _ := strconv.ParseFloat(strings.TrimSpace(numPrefix(kb)), 64)
			if na != nb {
				return na < nb
			}
		case o.has('V'):
			if c := versionCompare(ka, kb); c != 0 {
				return c < 0
			}
		default:
			if ka != kb {
				return ka < kb
			}
		}
		return a < b
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if o.has('r') {
			return less(lines[j], lines[i])
		}
		return less(lines[i], lines[j])
	})
	var out strings.Builder
	for i, l := range lines {
		if o.has('u') && i > 0 && key(l) == key(lines[i-1]) {
			continue
		}
		out.WriteString(l + "\n")
	}
	if o.has('o') {
		if err := t.v.writeFile(t.abs(o.set['o']), []byte(out.String()), 0o644); err != nil {
			t.errorf("open failed: %s: %s", o.set['o'], describe(err))
		}
		return t.status
	}
	t.print(out.String())
	return t.status
}

func numPrefix(s string) string {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || (end == 0 && s[end] == '-')) {
		end++
	}
	return s[:end]
}

// versionCompare orders runs of digits by value and the rest by bytes.
func versionCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsAt(a), digitsAt(b)
		if da > 0 && db > 0 {
			na, _ := strconv.Atoi(a[:da])
			nb, _ := strconv.Atoi(b[:db])
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitsAt(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// uniq [-c] [-d] [-u] [FILE]
func uniqProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "cdu", map[string]byte{"count": 'c', "repeated": 'd', "unique": 'u'})
	if err != nil {
		return t.usage("%v", err)
	}
	in, ok := t.readInputs(o.args)
	if !ok {
		return 1
	}
	lines := splitLines(in)
	var out strings.Builder
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		n := j - i
		if (!o.has('d') || n > 1) && (!o.has('u') || n == 1) {
			if o.has('c') {
				out.WriteString(strings.Repeat(" ", max(0, 7-len(strconv.Itoa(n)))) + strconv.Itoa(n) + " ")
			}
			out.WriteString(lines[i] + "\n")
		}
		i = j
	}
	t.print(out.String())
	return t.status
}
