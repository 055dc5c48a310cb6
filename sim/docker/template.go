package docker

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
)

// formatEach applies a --format Go template to each row, as the CLI does,
// with its "table" prefix and the json/join/upper/lower helpers.
func formatEach[T any](out io.Writer, tmpl string, items []T, row func(T) any) error {
	table := false
	if strings.HasPrefix(tmpl, "table ") {
		table = true
		tmpl = strings.TrimPrefix(tmpl, "table ")
	}
	if tmpl == "json" {
		tmpl = "{{json .}}"
	}
	t, err := template.New("format").Funcs(template.FuncMap{
		"json":  func(v any) string { b, _ := json.Marshal(v); return string(b) },
		"join":  strings.Join,
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"title": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
	}).Parse(tmpl)
	if err != nil {
		return fmt.Errorf("template parsing error: %v", err)
	}
	w := out
	tw := newTable(out)
	if table {
		w = tw
		// The header is the template with each {{.Field}} upper-cased.
		var hb strings.Builder
		if err := template.Must(template.New("h").Parse(tmpl)).Execute(&hb, headerFields{}); err == nil {
			fmt.Fprintln(w, hb.String())
		}
	}
	for _, it := range items {
		var b strings.Builder
		if err := t.Execute(&b, row(it)); err != nil {
			return fmt.Errorf("template: %v", err)
		}
		fmt.Fprintln(w, b.String())
	}
	if table {
		return tw.Flush()
	}
	return nil
}

// headerFields names every column the way the CLI's table headers do.
type headerFields struct{}

func (headerFields) ID() string           { return "CONTAINER ID" }
func (headerFields) Image() string        { return "IMAGE" }
func (headerFields) Command() string      { return "COMMAND" }
func (headerFields) CreatedAt() string    { return "CREATED AT" }
func (headerFields) RunningFor() string   { return "CREATED" }
func (headerFields) Ports() string        { return "PORTS" }
func (headerFields) State() string        { return "STATE" }
func (headerFields) Status() string       { return "STATUS" }
func (headerFields) Size() string         { return "SIZE" }
func (headerFields) Names() string        { return "NAMES" }
func (headerFields) Mounts() string       { return "MOUNTS" }
func (headerFields) Repository() string   { return "REPOSITORY" }
func (headerFields) Tag() string          { return "TAG" }
func (headerFields) CreatedSince() string { return "CREATED" }
func (headerFields) Digest() string       { return "DIGEST" }
