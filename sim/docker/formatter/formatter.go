package formatter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"
	"unicode"
)

// Format keys the CLI gives a meaning of their own.
const (
	TableFormatKey     = "table"
	JSONFormatKey      = "json"
	DefaultQuietFormat = "{{.ID}}"
	JSONFormat         = "{{json .}}"
)

// Format is a --format value after each command chose its default.
type Format string

// IsTable reports whether the format asks for a table with a header: any
// format that starts with "table", even "tableX {{.ID}}", as in docker/cli.
func (f Format) IsTable() bool { return strings.HasPrefix(string(f), TableFormatKey) }

// IsJSON reports whether the format is the bare "json" key.
func (f Format) IsJSON() bool { return string(f) == JSONFormatKey }

// Contains reports whether the format mentions sub.
func (f Format) Contains(sub string) bool { return strings.Contains(string(f), sub) }

// Context is one listing: where it goes, in what format, truncated or not
// (--no-trunc), and the clock "5 minutes ago" is measured against.
type Context struct {
	Output io.Writer
	Format Format
	Trunc  bool
	Now    time.Time
	// MaxBytes bounds what a template may write before it is stopped (a
	// template can loop over its own output); 0 is DefaultMaxBytes.
	MaxBytes int
}

// DefaultMaxBytes is how much one listing may print: far more than a
// console shows, far less than memory.
const DefaultMaxBytes = 4 << 20

// ErrTooLong is what a template gets when its output passes MaxBytes.
var ErrTooLong = errors.New("the output is too long for the console")

// cappedBuffer is a buffer that refuses to grow past max.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, ErrTooLong
	}
	return b.Buffer.Write(p)
}

func (c Context) maxBytes() int {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return DefaultMaxBytes
}

// SubContext is one row: its exported methods are the fields a template can
// name, and FullHeader is what the table header runs the template against.
type SubContext interface {
	FullHeader() any
}

// HeaderContext gives a row type its header.
type HeaderContext struct {
	Header any
}

// FullHeader is the header, for the table's first line.
func (c *HeaderContext) FullHeader() any { return c.Header }

// SubHeaderContext names each field's column: {{.ID}} in the header line
// becomes "CONTAINER ID".
type SubHeaderContext map[string]string

// Label is the column of {{.Label "com.example.key"}}: the key's last part
// with '-' and '_' as spaces.
func (SubHeaderContext) Label(name string) string {
	parts := strings.Split(name, ".")
	return strings.NewReplacer("-", " ", "_", " ").Replace(parts[len(parts)-1])
}

// finalFormat is the template text: the table key cut off, "json" spelled
// out, the ends trimmed, and the two escapes a shell leaves in a quoted
// argument (\t and \n) made real.
func (c Context) finalFormat() string {
	s := string(c.Format)
	switch {
	case c.Format.IsTable():
		s = s[len(TableFormatKey):]
	case c.Format.IsJSON():
		s = JSONFormat
	}
	s = strings.Trim(s, " ")
	return strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(s)
}

// Write runs the format over rows and prints them; a table gets header's
// column names as its first line, then everything is aligned. Nothing is
// printed when any row fails: the error says why, as the CLI says it.
func (c Context) Write(header SubContext, rows []SubContext) error {
	tmpl, err := Parse(c.finalFormat())
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	buf := &cappedBuffer{max: c.maxBytes()}
	for _, r := range rows {
		if err := tmpl.Execute(buf, r); err != nil {
			if errors.Is(err, ErrTooLong) {
				return ErrTooLong
			}
			return fmt.Errorf("template parsing error: %w", typeNames(err))
		}
		buf.WriteByte('\n')
	}
	c.flush(tmpl, header, &buf.Buffer)
	return nil
}

// flush prints what Write gathered: through a tab writer under the header
// for a table, as it is otherwise.
func (c Context) flush(tmpl *template.Template, header SubContext, buf *bytes.Buffer) {
	out := c.Output
	if out == nil {
		out = io.Discard
	}
	if !c.Format.IsTable() {
		out.Write(buf.Bytes())
		return
	}
	tw := NewTabWriter(out)
	hb := &cappedBuffer{max: c.maxBytes()}
	// A header that cannot be made (a field with no column) prints what it
	// made before the failure, as the CLI does.
	_ = tmpl.Funcs(headerFunctions).Execute(hb, header.FullHeader())
	hb.WriteTo(tw)
	tw.Write([]byte("\n"))
	buf.WriteTo(tw)
	tw.Flush()
}

// NewTabWriter is the aligned-columns writer every docker table uses.
func NewTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
}

// basicFunctions are the functions every --format template has, as the
// CLI's templates package defines them.
var basicFunctions = template.FuncMap{
	"json": func(v any) (string, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
		return strings.TrimSpace(b.String()), nil
	},
	"split": strings.Split,
	"join":  strings.Join,
	"title": title,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"pad": func(s string, prefix, suffix int) (string, error) {
		if s == "" {
			return s, nil
		}
		if prefix > MaxPad || suffix > MaxPad {
			return "", fmt.Errorf("pad: at most %d spaces a side in this simulator", MaxPad)
		}
		return strings.Repeat(" ", max(prefix, 0)) + s + strings.Repeat(" ", max(suffix, 0)), nil
	},
	"truncate": func(s string, n int) string {
		if n < 0 || len(s) < n {
			return s
		}
		return s[:n]
	},
}

// MaxPad bounds the pad function's spaces, so a template cannot ask for
// gigabytes of them.
const MaxPad = 1000

// headerFunctions replace the ones that would change a column's name: the
// header shows "IMAGE ID" even under {{lower .ID}}.
var headerFunctions = template.FuncMap{
	"json":     func(v string) string { return v },
	"split":    func(v string, _ string) string { return v },
	"join":     func(v string, _ string) string { return v },
	"title":    func(v string) string { return v },
	"lower":    func(v string) string { return v },
	"upper":    func(v string) string { return v },
	"truncate": func(v string, _ int) string { return v },
}

// title upper-cases the first letter of each word, as the deprecated
// strings.Title the CLI uses does for ASCII.
func title(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		isSep := !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '\'')
		if !isSep && !(unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '_' || prev == '\'') {
			prev = r
			return unicode.ToTitle(r)
		}
		prev = r
		return r
	}, s)
}

// Parse compiles a --format template with the CLI's functions.
func Parse(format string) (*template.Template, error) {
	return template.New("").Funcs(basicFunctions).Parse(format)
}

// dockerTypes are the row types docker/cli declares outside its formatter
// package: a template error names them with their own package.
var dockerTypes = strings.NewReplacer(
	"*formatter.historyContext", "*image.historyContext",
	"*formatter.networkContext", "*network.networkContext",
	"*formatter.statsContext", "*container.statsContext",
)

// typeNames rewrites a template error to name docker/cli's types.
func typeNames(err error) error {
	msg := err.Error()
	if fixed := dockerTypes.Replace(msg); fixed != msg {
		return textError(fixed)
	}
	return err
}

type textError string

func (e textError) Error() string { return string(e) }

// MarshalJSON encodes a row as {{json .}} prints it: one key per exported
// field method (no arguments, one result), sorted, as docker/cli's
// formatter.MarshalJSON does.
func MarshalJSON(x any) ([]byte, error) {
	v := reflect.ValueOf(x)
	t := v.Type()
	m := map[string]any{}
	for i := 0; i < v.NumMethod(); i++ {
		meth := t.Method(i)
		fn := v.Method(i)
		if meth.Name == "FullHeader" || fn.Type().NumIn() != 0 || fn.Type().NumOut() != 1 {
			continue
		}
		m[meth.Name] = fn.Call(nil)[0].Interface()
	}
	return json.Marshal(m)
}
