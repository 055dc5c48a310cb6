package web

import (
	"fmt"

	"github.com/labstack/echo/v4"
)

// lessonRoutes are the course and lesson pages. None yet.
func (s *Server) lessonRoutes(e *echo.Echo) {}

// lessonMode opens a lesson session. Lessons are not served yet.
func (s *Server) lessonMode(c echo.Context, id string) (sessionMode, error) {
	return nil, fmt.Errorf("%w: no lesson %q", errNotFound, id)
}
