package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// localize picks each request's language (web/locale.Pick: ?lang=, the
// cookie, Accept-Language, English) and puts it in the request's context,
// where the templates and handlers read it. A valid ?lang= on a page is
// remembered in a cookie, so the choice holds on the next page and after a
// reload. The instructor area is in English only.
func (s *Server) localize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.HasPrefix(req.URL.Path, "/static/") {
			return next(c) // the same bytes in every language, cached as such
		}
		q := c.QueryParam("lang")
		cookie := ""
		if ck, err := req.Cookie(locale.Cookie); err == nil {
			cookie = ck.Value
		}
		tag := locale.Pick(q, cookie, req.Header.Get("Accept-Language"))
		if strings.HasPrefix(req.URL.Path, "/instructor") {
			tag = locale.Default
		}
		h := c.Response().Header()
		h.Add("Vary", "Accept-Language")
		h.Add("Vary", "Cookie")
		h.Set("Content-Language", tag)
		// Pages remember the choice; the API, oEmbed and the embeds (which
		// caches may share between visitors) only follow it.
		remember := req.Method == http.MethodGet && !isAPI(req.URL.Path) &&
			!strings.HasPrefix(req.URL.Path, "/embed/") && req.URL.Path != "/oembed"
		if locale.Supported(q) && q == tag && q != cookie && remember {
			c.SetCookie(&http.Cookie{
				Name: locale.Cookie, Value: tag, Path: "/",
				MaxAge: int((365 * 24 * time.Hour).Seconds()), SameSite: http.SameSiteLaxMode,
				Secure: s.cfg.SecureCookies || c.Scheme() == "https",
			})
		}
		c.SetRequest(req.WithContext(locale.With(req.Context(), tag, req.URL)))
		return next(c)
	}
}

// lang is the request's language.
func lang(c echo.Context) string { return locale.From(c.Request().Context()) }

// loadQuizTranslations reads the shipped quiz translations of every
// interface language over the loaded quizzes; a translation that is not
// the original's shape is logged and its English original served.
func (s *Server) loadQuizTranslations() {
	s.quizLangs = map[string]*quizzes.Set{}
	if s.Quizzes == nil {
		return
	}
	for _, l := range locale.Langs {
		if l.Tag == locale.Default {
			continue
		}
		set, err := quizzes.LoadTranslation(quizzes.Files, l.Tag, s.Quizzes)
		if err != nil {
			s.log.Error("quiz translation skipped", "lang", l.Tag, "err", err)
		}
		s.quizLangs[l.Tag] = set
	}
}

// quizzesIn is the quiz set in the request's language: each quiz
// translated where a translation exists, English where not.
func (s *Server) quizzesIn(c echo.Context) *quizzes.Set {
	if set, ok := s.quizLangs[lang(c)]; ok && set != nil {
		return set
	}
	if s.Quizzes == nil {
		empty, _ := quizzes.NewSet()
		return empty
	}
	return s.Quizzes
}

// baseURL is this server as the request reached it. echo believes
// X-Forwarded-Proto only from a loopback or private peer, and only http or
// https.
func baseURL(c echo.Context) string { return c.Scheme() + "://" + c.Request().Host }

// shareMeta is what a link to this page unfurls into: its address
// (without ?lang=, so every language shares one card), a description, and
// the oEmbed answer that describes it.
func shareMeta(c echo.Context, path, description string, extra url.Values) ui.Meta {
	u := baseURL(c) + path
	if len(extra) > 0 {
		u += "?" + extra.Encode()
	}
	return ui.Meta{
		URL:         u,
		Description: description,
		OEmbed:      baseURL(c) + "/oembed?" + url.Values{"format": {"json"}, "url": {u}}.Encode(),
	}
}
