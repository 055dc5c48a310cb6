package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/web/ui"
)

// Deep linking (LTI Deep Linking 2.0): an LtiDeepLinkingRequest launch
// shows a picker of lessons and quizzes; the teacher's choice goes back
// to the platform's deep_link_return_url as an LtiDeepLinkingResponse JWT
// signed by the tool, one ltiResourceLink content item per choice, with a
// line item so the LMS makes a gradebook column.

// dlLifetime is how long a teacher may take to choose.
const dlLifetime = time.Hour

// maxDLItems bounds the items one response may carry.
const maxDLItems = 50

// dlContext is the deep-linking request the picker answers, carried in
// the picker's form signed by the server: the choice needs no cookie
// (the LMS's iframe may not send one) and cannot be pointed at another
// platform or return URL.
type dlContext struct {
	Platform   int64  `json:"p"`
	Deployment string `json:"d"`
	ReturnURL  string `json:"r"`
	Data       string `json:"data,omitempty"`
	LineItems  bool   `json:"li"`
	Multiple   bool   `json:"m"`
	Expires    int64  `json:"exp"`
}

func (s *Server) signDLContext(dc dlContext) string {
	b, _ := json.Marshal(dc)
	v := base64.RawURLEncoding.EncodeToString(b)
	return v + "." + s.mac("lti-deep-link", v)
}

func (s *Server) readDLContext(raw string) (dlContext, bool) {
	v, sig, ok := strings.Cut(raw, ".")
	if !ok || sig != s.mac("lti-deep-link", v) {
		return dlContext{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return dlContext{}, false
	}
	var dc dlContext
	if json.Unmarshal(b, &dc) != nil || s.now().Unix() > dc.Expires {
		return dlContext{}, false
	}
	return dc, true
}

// ltiDeepLinkPicker shows the lessons and quizzes to choose from.
func (s *Server) ltiDeepLinkPicker(c echo.Context, p LTIPlatform, cl *launchClaims) error {
	dc := dlContext{
		Platform: p.ID, Deployment: cl.DeploymentID, ReturnURL: cl.DL.ReturnURL, Data: cl.DL.Data,
		LineItems: cl.DL.AcceptLineItem == nil || *cl.DL.AcceptLineItem,
		Multiple:  cl.DL.AcceptMultiple, Expires: s.now().Add(dlLifetime).Unix(),
	}
	s.allowFraming(c, platformOrigins(p, cl.DL.ReturnURL), "")
	v := ui.LTIPickerView{Platform: p.Issuer, Context: s.signDLContext(dc), Multiple: dc.Multiple}
	course, _ := s.lessons.get()
	for _, l := range course.Lessons {
		v.Lessons = append(v.Lessons, ui.LTIPickItem{Value: "lesson:" + l.ID, Kind: "Lesson", Title: l.Title, Summary: l.Summary})
	}
	for _, q := range s.Quizzes.All() {
		v.Quizzes = append(v.Quizzes, ui.LTIPickItem{Value: "quiz:" + q.ID, Kind: "Quiz", Title: q.Title, Summary: q.Summary})
	}
	return s.render(c, http.StatusOK, ui.LTIPicker(v))
}

// ltiDeepLinkChoice signs the chosen items and sends them back to the LMS.
func (s *Server) ltiDeepLinkChoice(c echo.Context) error {
	dc, ok := s.readDLContext(c.FormValue("context"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "This choice is too old or was not made on this server's picker. Start again from the LMS.")
	}
	ctx := c.Request().Context()
	p, ok, err := s.platformByID(ctx, dc.Platform)
	if err != nil {
		return err
	}
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "The LMS of this choice is no longer registered.")
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The choice cannot be read.")
	}
	chosen := form["item"]
	if len(chosen) == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a lesson or a quiz first.")
	}
	if len(chosen) > maxDLItems || (!dc.Multiple && len(chosen) > 1) {
		return echo.NewHTTPError(http.StatusBadRequest, "Too many items chosen: this LMS takes "+map[bool]string{true: "at most 50", false: "one"}[dc.Multiple]+".")
	}
	base := toolBase(c)
	var items []map[string]any
	var titles []string
	for _, v := range chosen {
		kind, id, _ := strings.Cut(v, ":")
		title, max, ok := s.resourceInfo(kind, id)
		if !ok {
			return echo.NewHTTPError(http.StatusBadRequest, "There is no lesson or quiz "+shorten(v, 60)+" on this server.")
		}
		item := map[string]any{
			"type":  "ltiResourceLink",
			"title": title,
			"url":   base + ltiPath(kind, id),
		}
		if dc.LineItems {
			item["lineItem"] = map[string]any{
				"scoreMaximum": max,
				"label":        title,
				"resourceId":   v,
				"tag":          "layerlab",
			}
		}
		items = append(items, item)
		titles = append(titles, title)
	}
	now := s.now()
	claims := map[string]any{
		"iss":             p.ClientID,
		"aud":             []string{p.Issuer},
		"iat":             now.Unix(),
		"exp":             now.Add(5 * time.Minute).Unix(),
		"nonce":           newToken(),
		claimMessageType:  msgDLResponse,
		claimVersion:      "1.3.0",
		claimDeploymentID: dc.Deployment,
		claimDLItems:      items,
		claimDLMessage:    "Added " + strings.Join(titles, ", ") + " from layerlab.",
	}
	if dc.Data != "" {
		claims[claimDLData] = dc.Data
	}
	jwt, err := s.signTool(ctx, claims)
	if err != nil {
		return err
	}
	s.allowFraming(c, platformOrigins(p, dc.ReturnURL), originOf(dc.ReturnURL))
	return s.render(c, http.StatusOK, ui.LTIReturn(ui.LTIReturnView{Action: dc.ReturnURL, JWT: jwt, Titles: titles}))
}

// resourceInfo is a lesson's or quiz's title and the most points it is
// worth: its steps, or its questions.
func (s *Server) resourceInfo(kind, id string) (title string, max int, ok bool) {
	switch kind {
	case "lesson":
		l, _, err := s.findLesson(id)
		if err != nil {
			return "", 0, false
		}
		return l.Title, len(l.Steps), true
	case "quiz":
		q, ok := s.Quizzes.Quiz(id)
		if !ok {
			return "", 0, false
		}
		return q.Title, len(q.Questions), true
	}
	return "", 0, false
}
