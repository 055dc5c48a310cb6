package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing/fstest"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// maxEmbedDockerfile bounds /embed/viz?dockerfile=: a URL is no place for
// a long file, and every view builds it from scratch.
const maxEmbedDockerfile = 4 << 10

// The viz embed's budget per client address: a page with a handful of
// embeds loads at once; a client asking for builds in a loop is slowed.
const (
	embedVizRate  = 2 // views a second, after …
	embedVizBurst = 20
)

func (s *Server) embedRoutes(e *echo.Echo) {
	e.GET("/embed/quiz/:quiz", s.embedQuiz)
	e.GET("/embed/quiz/:quiz/questions", s.embedQuestions)
	// Every view of the viz embed runs a build: a per-address budget keeps
	// one client from spending the server's CPU on it.
	e.GET("/embed/viz", s.embedViz, s.addressLimiter(rate.Limit(embedVizRate), embedVizBurst, "too many Dockerfile views from this address; wait a moment", nil))
	e.GET("/oembed", s.oembed)
	// The loader is also served at a short address for snippets.
	e.GET("/static/embed.js", func(c echo.Context) error {
		c.Request().URL.Path = "/static/js/embed.js"
		http.StripPrefix("/static/", s.staticHandler()).ServeHTTP(c.Response(), c.Request())
		return nil
	})
}

// frameAncestors is the CSP source list of who may frame embeds: any
// origin unless the config lists some.
func (s *Server) frameAncestors() string {
	if len(s.cfg.FrameAncestors) == 0 {
		return "*"
	}
	return strings.Join(s.cfg.FrameAncestors, " ")
}

// mayEmbed says whether origin is allowed to frame quizzes.
func (s *Server) mayEmbed(origin string) bool {
	return len(s.cfg.FrameAncestors) == 0 || slices.Contains(s.cfg.FrameAncestors, origin) || slices.Contains(s.cfg.FrameAncestors, "*")
}

// embeddable replaces the app's "frame nobody" headers with the embed
// allow-list, for this response only.
func (s *Server) embeddable(c echo.Context) {
	h := c.Response().Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors "+
		s.frameAncestors()+"; base-uri 'none'; form-action 'self'")
	// The embed page reads document.referrer for the host's origin only.
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	// The same for every visitor and free of cookies: caches may keep it a
	// while, which also spares the server rebuilding a viz on every view.
	h.Set("Cache-Control", "public, max-age=300")
}

func (s *Server) embedQuiz(c echo.Context) error {
	quiz, ok := s.quizzesIn(c).Quiz(c.Param("quiz"))
	if !ok {
		return fmt.Errorf("%w: no quiz %q", errNotFound, c.Param("quiz"))
	}
	s.embeddable(c)
	src := "/embed/quiz/" + url.PathEscape(quiz.ID) + "/questions"
	if c.QueryParam("one") == "1" {
		src += "?one=1"
	}
	return s.render(c, http.StatusOK, ui.EmbedQuiz(quiz.Title, src, shareMeta(c, "/embed/quiz/"+url.PathEscape(quiz.ID), quiz.Summary, nil)))
}

// embedQuestions is the embedded quiz as dealt to one visitor, which
// quiz.js fetches into the embed page: the page itself is the same for
// everyone. ?learner= is the widget's anonymous id, used as the answers use
// it (web/quiz.go answerLearner); ?embed= the framing origin.
func (s *Server) embedQuestions(c echo.Context) error {
	quiz, learner, err := s.quizFor(c)
	if err != nil {
		return err
	}
	v := s.quizView(c.Request().Context(), quiz, learner, "embed")
	v.OneAtATime = c.QueryParam("one") == "1"
	return s.render(c, http.StatusOK, ui.Quiz(v))
}

// The viz embed is anyone's to ask for, so what one view may cost is
// bounded: its build runs under embedLimits and embedBuildTime, a few
// builds run at once (the heavy gate, web/workpool.go), and a Dockerfile built once is
// served from a cache by its hash.
const (
	embedBuildTime     = 2 * time.Second
	embedWait          = 5 * time.Second // for a place to build, then 503
	maxEmbedCacheBytes = 16 << 20
	maxEmbedPage       = 512 << 10
)

// embedLimits are the simulator's limits for one embed's build: smaller
// than a learner session's, since nobody works on in it afterwards.
func embedLimits() sim.Limits {
	l := sim.DefaultLimits()
	l.Layers = 50
	l.BuildSteps = 50
	l.LayerEntries = 5000
	l.FileBytes = 1 << 20
	l.SessionBytes = 4 << 20
	l.OutputBytes = 64 << 10
	l.ShellSteps = 20000
	return l
}

func (s *Server) embedViz(c echo.Context) error {
	df := c.QueryParam("dockerfile")
	if strings.TrimSpace(df) == "" {
		return fmt.Errorf("%w: pass the Dockerfile as ?dockerfile=", errBadRequest)
	}
	if len(df) > maxEmbedDockerfile {
		return fmt.Errorf("%w: the Dockerfile is %d bytes; an embed takes at most %d", errBadRequest, len(df), maxEmbedDockerfile)
	}
	sum := sha256.Sum256([]byte(df))
	key := hex.EncodeToString(sum[:])
	page, ok := s.embeds.get(key)
	if !ok {
		var err error
		if page, err = s.buildEmbedPage(c.Request().Context(), key, df); err != nil {
			return err
		}
	}
	s.embeddable(c)
	return c.HTMLBlob(http.StatusOK, []byte(page))
}

// buildEmbedPage builds and renders a viz embed in the heavy gate and
// keeps the page in the cache.
func (s *Server) buildEmbedPage(ctx context.Context, key, df string) (string, error) {
	wait, cancel := context.WithTimeout(ctx, embedWait)
	err := s.pools().heavy.enter(wait)
	cancel()
	if err != nil {
		return "", err
	}
	defer s.pools().heavy.leave()
	// Another view of the same Dockerfile may have built it meanwhile.
	if page, ok := s.embeds.get(key); ok {
		return page, nil
	}
	bctx, cancel := context.WithTimeout(context.Background(), embedBuildTime)
	defer cancel()
	eng, out, failed := buildEmbedded(bctx, s.Library, df)
	var buf bytes.Buffer
	if err := ui.EmbedViz(df, out, failed, vizView(eng)).Render(ctx, &buf); err != nil {
		return "", err
	}
	page := buf.String()
	s.embeds.put(key, page)
	return page, nil
}

// buildEmbedded builds a Dockerfile in a fresh session, the way the
// console's `docker build -t example .` would, and returns the engine to
// draw. A failed build still draws the bases, under the build's error.
func buildEmbedded(ctx context.Context, lib *engine.Library, dockerfile string) (*engine.Engine, string, bool) {
	limits := embedLimits()
	files := fstest.MapFS{"Dockerfile": {Data: []byte(dockerfile), Mode: 0o644}}
	eng := engine.New(engine.Config{Seed: 1, Library: lib, Context: files, Limits: limits})
	// The bases blog posts about Python apps and small images start from
	// are on the host already, so their FROM needs no pull.
	for _, b := range []string{"python:3.12", "alpine:3.20"} {
		// A base missing from the catalog only means a FROM of it fails
		// with the simulator's own message.
		_ = eng.Preload(b)
	}
	res := docker.NewConsole(eng, limits).Run(ctx, "docker build -t example .")
	return eng, res.Output, res.Exit != 0
}

// oembedResponse is an oEmbed 1.0 "rich" answer.
type oembedResponse struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

// oembed answers /oembed?url=…/embed/quiz/ID&format=json with the snippet
// that embeds the quiz.
func (s *Server) oembed(c echo.Context) error {
	if f := c.QueryParam("format"); f != "" && f != "json" {
		return echo.NewHTTPError(http.StatusNotImplemented, "only format=json is supported")
	}
	raw := c.QueryParam("url")
	if raw == "" {
		return fmt.Errorf("%w: pass the quiz's address as ?url=", errBadRequest)
	}
	if len(raw) > 2048 {
		return fmt.Errorf("%w: that address is too long", errBadRequest)
	}
	if link, ok := s.oembedLink(c, raw); ok {
		return c.JSON(http.StatusOK, link)
	}
	id, ok := quizFromURL(raw)
	if !ok {
		return fmt.Errorf("%w: %q is not the address of a quiz (…/embed/quiz/ID), a lesson (…/lessons/ID) or a shared session (…/play?share=ID)", errBadRequest, shorten(raw, 120))
	}
	quiz, ok := s.quizzesIn(c).Quiz(id)
	if !ok {
		return fmt.Errorf("%w: no quiz %q", errNotFound, id)
	}
	// echo believes X-Forwarded-Proto only from a loopback or private
	// peer, and only http or https: a client cannot put markup here.
	base := c.Scheme() + "://" + c.Request().Host
	w, h := 600, 420+120*min(len(quiz.Questions), 3)
	if mw := atoiOr(c.QueryParam("maxwidth"), 0); mw > 0 && mw < w {
		w = mw
	}
	if mh := atoiOr(c.QueryParam("maxheight"), 0); mh > 0 && mh < h {
		h = mh
	}
	return c.JSON(http.StatusOK, oembedResponse{
		Version: "1.0", Type: "rich", Title: quiz.Title,
		ProviderName: "layerlab", ProviderURL: base + "/",
		HTML:  EmbedSnippet(base, quiz.ID),
		Width: w, Height: h,
	})
}

// oembedLinkResponse is an oEmbed 1.0 "link" answer: a title and where
// it is from, for pages that are not framed (lessons, shared sessions).
type oembedLinkResponse struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
}

// oembedLink answers for a lesson's or a shared session's address; ok is
// false for any other address (a quiz's, or a bad one). A lesson that
// does not exist is not found. The title is in the request's language
// (?lang= in the address counts, as a visitor following it would see).
func (s *Server) oembedLink(c echo.Context, raw string) (oembedLinkResponse, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return oembedLinkResponse{}, false
	}
	tag := lang(c)
	if l := u.Query().Get("lang"); locale.Supported(l) {
		tag = l
	}
	out := oembedLinkResponse{Version: "1.0", Type: "link", ProviderName: "layerlab", ProviderURL: baseURL(c) + "/"}
	switch {
	case strings.HasPrefix(u.Path, "/lessons/"):
		id := strings.TrimPrefix(u.Path, "/lessons/")
		course, _ := s.lessons.in(tag)
		l, ok := course.Lesson(id)
		if !ok {
			return out, false
		}
		out.Title = l.Title
	case (u.Path == "/play" || u.Path == "/") && validShareID(u.Query().Get("share")):
		out.Title = locale.Tr(tag, "share.card")
	default:
		return out, false
	}
	return out, true
}

// EmbedSnippet is the HTML an embedder pastes for a quiz: a placeholder
// and the loader script.
func EmbedSnippet(base, quiz string) string {
	return `<div data-layerlab-quiz="` + quiz + `"></div><script src="` + base + `/static/embed.js" async></script>`
}

func quizFromURL(raw string) (string, bool) {
	i := strings.Index(raw, "/embed/quiz/")
	if i < 0 {
		return "", false
	}
	id := raw[i+len("/embed/quiz/"):]
	if j := strings.IndexAny(id, "?#/"); j >= 0 {
		id = id[:j]
	}
	return id, quizzes.ValidID(id)
}

func atoiOr(s string, def int) int {
	n := 0
	if s == "" || len(s) > 6 {
		return def
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return def
		}
		n = n*10 + int(r-'0')
	}
	return n
}
