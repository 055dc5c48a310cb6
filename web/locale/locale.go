// Package locale holds the interface's translations and picks the language
// of each request: ?lang= (remembered in a cookie), then the cookie, then
// Accept-Language, then English. Messages are go-i18n message files
// embedded from messages/; a message missing from a translation falls back
// to its English text, one message at a time.
package locale

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// Default is the language every message exists in.
const Default = "en"

// Lang is one language the interface speaks.
type Lang struct {
	Tag  string // BCP 47, as in <html lang>
	Name string // its own name for itself, as the switcher shows it
}

// Langs are the interface's languages, English first.
var Langs = []Lang{
	{Tag: "en", Name: "English"},
	{Tag: "es", Name: "Español"},
	{Tag: "de", Name: "Deutsch"},
}

// Cookie is the cookie that remembers a chosen language.
const Cookie = "lang"

//go:embed messages/*.yaml
var files embed.FS

var (
	bundle     *i18n.Bundle
	localizers = map[string]*i18n.Localizer{}
	matcher    language.Matcher
	// english is every message's English text, for the JavaScript table
	// and for tests.
	english = map[string]string{}
)

func init() {
	b, err := load(files)
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	bundle = b
	tags := make([]language.Tag, len(Langs))
	for i, l := range Langs {
		tags[i] = language.MustParse(l.Tag)
		localizers[l.Tag] = i18n.NewLocalizer(bundle, l.Tag)
	}
	matcher = language.NewMatcher(tags)
	src, _ := files.ReadFile("messages/active.en.yaml")
	yaml.Unmarshal(src, &english)
}

// load reads every message file, refusing a translation that names a
// message English does not have (a typo would otherwise never show).
func load(fsys fs.FS) (*i18n.Bundle, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, l := range Langs {
		name := "messages/active." + l.Tag + ".yaml"
		if _, err := b.LoadMessageFileFS(fsys, name); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return b, nil
}

// Supported reports whether tag is one of Langs.
func Supported(tag string) bool {
	_, ok := localizers[tag]
	return ok
}

// Pick chooses a request's language: an explicit ?lang= value, then the
// cookie, then the Accept-Language header, then English. Unknown values
// are skipped, never trusted.
func Pick(query, cookie, acceptLanguage string) string {
	for _, v := range []string{query, cookie} {
		if v = strings.ToLower(strings.TrimSpace(v)); Supported(v) {
			return v
		}
	}
	if acceptLanguage != "" {
		if len(acceptLanguage) > 512 {
			acceptLanguage = acceptLanguage[:512]
		}
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Langs[i].Tag
			}
		}
	}
	return Default
}

type ctxKey struct{}

type chosen struct {
	tag string
	url *url.URL // the page's own address, for the switcher's links
}

// With returns ctx speaking tag, on the page at u (nil: none).
func With(ctx context.Context, tag string, u *url.URL) context.Context {
	if !Supported(tag) {
		tag = Default
	}
	return context.WithValue(ctx, ctxKey{}, chosen{tag: tag, url: u})
}

// From is the language of ctx; English when none was chosen.
func From(ctx context.Context) string {
	if ctx != nil {
		if c, ok := ctx.Value(ctxKey{}).(chosen); ok {
			return c.tag
		}
	}
	return Default
}

// Switch is one entry of the language switcher.
type Switch struct {
	Lang
	Href    string // this page in that language
	Current bool
}

// Switches are the switcher's links: this page with ?lang= set to each
// language, its other query parameters kept.
func Switches(ctx context.Context) []Switch {
	var c chosen
	if ctx != nil {
		c, _ = ctx.Value(ctxKey{}).(chosen)
	}
	if c.tag == "" {
		c.tag = Default
	}
	out := make([]Switch, len(Langs))
	for i, l := range Langs {
		q := url.Values{}
		path := "/"
		if c.url != nil {
			q = c.url.Query()
			// One leading slash only: "//host/x" or "/\\host" would
			// read as another site.
			path = "/" + strings.TrimLeft(c.url.Path, "/\\")
		}
		q.Set("lang", l.Tag)
		out[i] = Switch{Lang: l, Href: (&url.URL{Path: path, RawQuery: q.Encode()}).String(), Current: l.Tag == c.tag}
	}
	return out
}

// T is message id in ctx's language. data fills the message's {{.Name}}
// fields. A message the language lacks is English; a message nobody has
// is its id, so a missing one shows on the page instead of vanishing.
func T(ctx context.Context, id string, data ...map[string]any) string {
	return Tr(From(ctx), id, data...)
}

// Tr is T for a language tag.
func Tr(tag, id string, data ...map[string]any) string {
	lc := localizers[tag]
	if lc == nil {
		lc = localizers[Default]
	}
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	msg, err := lc.Localize(cfg)
	if msg == "" && err != nil {
		return id
	}
	return msg
}

// Script is the table static/js reads its strings from: every message
// whose id starts with "js.", in ctx's language (English where missing).
// Its {name} fields are filled in by the script.
func Script(ctx context.Context) map[string]string { return script(From(ctx)) }

// ScriptJSON is Script as JSON, made once per language: every page
// carries it.
func ScriptJSON(ctx context.Context) string {
	scriptOnce.Do(func() {
		scriptJSON = map[string]string{}
		for _, l := range Langs {
			b, _ := json.Marshal(script(l.Tag))
			scriptJSON[l.Tag] = string(b)
		}
	})
	return scriptJSON[From(ctx)]
}

var (
	scriptOnce sync.Once
	scriptJSON map[string]string
)

func script(tag string) map[string]string {
	out := map[string]string{}
	for id := range english {
		if strings.HasPrefix(id, "js.") {
			out[strings.TrimPrefix(id, "js.")] = Tr(tag, id)
		}
	}
	return out
}

// IDs are every message id English has, sorted.
func IDs() []string {
	ids := make([]string, 0, len(english))
	for id := range english {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Missing lists the messages a language lacks, sorted, and the messages it
// has that English does not (which nothing would ever show).
func Missing(tag string) (missing, unknown []string, err error) {
	src, err := files.ReadFile("messages/active." + tag + ".yaml")
	if err != nil {
		return nil, nil, err
	}
	var m map[string]string
	if err := yaml.Unmarshal(src, &m); err != nil {
		return nil, nil, err
	}
	for _, id := range IDs() {
		if _, ok := m[id]; !ok {
			missing = append(missing, id)
		}
	}
	for id := range m {
		if _, ok := english[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	sort.Strings(unknown)
	return missing, unknown, nil
}
