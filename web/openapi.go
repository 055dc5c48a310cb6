package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/docs"
)

// openAPI serves the description of the JSON API (docs/openapi.yaml),
// which web/openapi_test.go holds the handlers to.
func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/yaml", docs.OpenAPI)
}
