package ui

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/layerlab/layerlab/web/locale"
)

// T is an interface string in the page's language (web/locale).
func T(ctx context.Context, id string, data ...map[string]any) string {
	return locale.T(ctx, id, data...)
}

// lang is the page's language, for <html lang>.
func lang(ctx context.Context) string { return locale.From(ctx) }

// uiStrings is the table of strings the page's scripts show, in its
// language: a <script type="application/json"> they read (data, not
// code: the CSP allows no inline script). json.Marshal escapes <, > and &,
// so no text can close the element.
func uiStrings() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<script type="application/json" id="ui-strings">`+scriptStrings(ctx)+`</script>`)
		return err
	})
}

// scriptStrings is the JSON table of the strings static/js shows, in the
// page's language; it sits in a <script type="application/json"> that
// the scripts read (data, not code: the CSP allows no inline script).
func scriptStrings(ctx context.Context) string { return locale.ScriptJSON(ctx) }

// n is a count for a message's {{.N}}.
func n(count int) map[string]any { return map[string]any{"N": count} }

func langSwitches(ctx context.Context) []locale.Switch { return locale.Switches(ctx) }

// Meta is what a shared link unfurls into: Open Graph tags and the
// address of its oEmbed answer. Every field is an absolute URL or plain
// text; the template escapes them.
type Meta struct {
	URL         string // the page's own address
	Description string
	Type        string // og:type; "website" when empty
	OEmbed      string // the /oembed?url=… address, when there is one
	// Lang is the language of the page's text when it is not the page's
	// own: a lesson not translated yet is told in English.
	Lang string
}

// alternate is the same page in another language, for search engines.
type alternate struct{ Tag, Href string }

// alternates are m's page in each language (?lang=), absolute.
func alternates(m Meta) []alternate {
	u, err := url.Parse(m.URL)
	if err != nil || m.URL == "" {
		return nil
	}
	out := make([]alternate, 0, len(locale.Langs))
	for _, l := range locale.Langs {
		q := u.Query()
		q.Set("lang", l.Tag)
		v := *u
		v.RawQuery = q.Encode()
		out = append(out, alternate{Tag: l.Tag, Href: v.String()})
	}
	return out
}

func ogType(m Meta) string {
	if m.Type == "" {
		return "website"
	}
	return m.Type
}

// ogLocale is the page's language as Open Graph writes it (es_ES).
func ogLocale(ctx context.Context, m Meta) string {
	l := lang(ctx)
	if m.Lang != "" {
		l = m.Lang
	}
	switch l {
	case "es":
		return "es_ES"
	case "de":
		return "de_DE"
	}
	return "en_US"
}

// tjs is a message the scripts share (a "js." id, whose fields are
// written {name}), filled in on the server for the first draw.
func tjs(ctx context.Context, id string, vars map[string]any) string {
	s := locale.T(ctx, id)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", fmt.Sprint(v))
	}
	return s
}
