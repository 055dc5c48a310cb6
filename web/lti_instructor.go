package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/web/ui"
)

// instructorLTI lists the registered LMS platforms, the URLs an LMS
// administrator enters to register this tool, and the scores on their way.
func (s *Server) instructorLTI(c echo.Context) error {
	base := toolBase(c)
	v := ui.LTIView{
		LoginURL: base + "/lti/login", LaunchURL: base + "/lti/launch",
		DeepLinkURL: base + "/lti/launch", JWKSURL: base + "/lti/jwks.json",
	}
	if s.LTI == nil {
		return s.render(c, http.StatusOK, ui.InstructorLTI(v))
	}
	ctx := c.Request().Context()
	ps, err := s.LTI.Platforms(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		deps := strings.Join(p.Deployments, ", ")
		if deps == "" {
			deps = "any"
		}
		v.Platforms = append(v.Platforms, ui.LTIPlatformRow{
			Issuer: p.Issuer, ClientID: p.ClientID, AuthURL: p.AuthURL, TokenURL: p.TokenURL, JWKSURL: p.JWKSURL,
			Deployments: deps, Added: p.Added.Format("2 Jan 2006"),
		})
	}
	scores, err := s.LTI.Scores(ctx)
	if err != nil {
		return err
	}
	for _, x := range scores {
		if x.Failed {
			v.Failed++
			v.FailedNote = x.LastErr
		} else {
			v.ScoresWaiting++
		}
	}
	return s.render(c, http.StatusOK, ui.InstructorLTI(v))
}
