package web

import (
	"fmt"

	"github.com/labstack/echo/v4"
)

// lessonMode opens a lesson session. Lessons are not served yet.
func (s *Server) lessonMode(c echo.Context, id string) (sessionMode, error) {
	return nil, fmt.Errorf("%w: no lesson %q", errNotFound, id)
}
