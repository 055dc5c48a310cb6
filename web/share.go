package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// shareIDLen is the length of a share id: 16 hex digits, 64 random bits.
const shareIDLen = 16

// validShareID accepts exactly what the websocket's share hands out, so a
// made-up or oversized id is refused before it reaches the database.
func validShareID(id string) bool {
	return len(id) == shareIDLen && strings.Trim(id, "0123456789abcdef") == ""
}

// openShare is GET /play?share=ID. A learner whose playground is empty gets
// the shared session at once; one with work of their own is asked first,
// because a GET can be triggered from any site (a link, a redirect) and must
// not destroy anything.
func (s *Server) openShare(c echo.Context, id string) error {
	ctx := c.Request().Context()
	if !validShareID(id) {
		return fmt.Errorf("%w: %q is not a share link's id", errNotFound, shorten(id, 40))
	}
	learner := s.learnerID(c)
	_, own, _, err := s.Store.LoadSession(ctx, learner, "play")
	if err != nil {
		return err
	}
	if len(own) > 0 {
		if _, _, found, err := s.Store.LoadShare(ctx, id); err != nil || !found {
			return cmp.Or(err, fmt.Errorf("%w: no shared session %q (share links are kept on the server that made them)", errNotFound, id))
		}
		return s.render(c, http.StatusOK, ui.ShareConfirm(ui.ShareConfirmView{ID: id, Actions: len(own),
			Meta: shareMeta(c, "/play", locale.T(ctx, "share.description"), url.Values{"share": {id}})}))
	}
	if err := s.useShare(ctx, learner, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/play")
}

// replaceWithShare is POST /play/share: the learner said yes to replacing
// their playground. Only a form on this site may ask.
func (s *Server) replaceWithShare(c echo.Context) error {
	if !sameSiteForm(c.Request()) {
		return echo.NewHTTPError(http.StatusForbidden, "the form was not sent from this site")
	}
	id := c.FormValue("id")
	if !validShareID(id) {
		return fmt.Errorf("%w: %q is not a share link's id", errBadRequest, shorten(id, 40))
	}
	ctx := c.Request().Context()
	learner := s.learnerID(c)
	// A tab still holding the old playground would append its next command
	// to the new log: close it first.
	s.evictEverywhere(learner + "|play")
	if err := s.useShare(ctx, learner, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/play")
}

// useShare makes the learner's playground the shared session. The shared
// log is not copied: the session points at it until the learner's first
// write (storage copies it then), so opening a share link costs one small
// row however long the shared session is.
func (s *Server) useShare(ctx context.Context, learner, id string) error {
	s.pictures.forget(learner + "|play")
	found, err := s.Store.ShareSession(ctx, learner, "play", id)
	if err != nil {
		return storageError(err)
	}
	if !found {
		return fmt.Errorf("%w: no shared session %q (share links are kept on the server that made them)", errNotFound, id)
	}
	return nil
}

// sameSiteForm says whether a state-changing request came from a page of
// this server: browsers send Origin with every POST, and Sec-Fetch-Site
// where they support it. A request with neither is refused: a learner's
// browser always sends one, and nothing else should post this form.
func sameSiteForm(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, r.Host)
}
