package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// render renders a component into a buffer first, so a component that fails
// halfway never leaves a half-written page behind a 200.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// statusOf maps errors to HTTP statuses in one place.
func statusOf(err error) (int, string) {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		return he.Code, msg
	case errors.Is(err, errNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, errStorageFull) || isDiskFull(err):
		return http.StatusServiceUnavailable, errStorageFull.Error()
	case errors.Is(err, errBusy):
		return http.StatusServiceUnavailable, errBusy.Error()
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, ErrUnavailable.Error()
	default:
		return http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)
	}
}

var (
	errNotFound   = errors.New("not found")
	errBadRequest = errors.New("bad request")
)

// handleError is echo's HTTPErrorHandler: API paths answer JSON, every other
// path a real HTML page.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		// Busy, full or limited: worth trying again, later.
		c.Response().Header().Set("Retry-After", retryAfter(err))
	}
	if isAPI(c.Request().URL.Path) {
		c.JSON(status, map[string]string{"error": msg})
		return
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	ctx := c.Request().Context()
	if status == http.StatusNotFound && msg == http.StatusText(status) {
		msg = locale.T(ctx, "error.nopage", map[string]any{"Path": c.Request().URL.Path})
	}
	// The status in the page's language; what went wrong stays in the
	// words the handler chose.
	title := http.StatusText(status)
	if t := locale.T(ctx, "error.status."+strconv.Itoa(status)); !strings.HasPrefix(t, "error.status.") {
		title = t
	}
	var buf bytes.Buffer
	if rerr := ui.ErrorPage(status, title, msg).Render(ctx, &buf); rerr != nil {
		c.String(status, msg)
		return
	}
	c.HTMLBlob(status, buf.Bytes())
}

func isAPI(path string) bool {
	return len(path) >= 5 && path[:5] == "/api/"
}

// retryAfter is how many seconds a client should wait: long for a full
// disk, which needs an operator, short for a busy or limited server.
func retryAfter(err error) string {
	if errors.Is(err, errStorageFull) || isDiskFull(err) {
		return "60"
	}
	return "5"
}
