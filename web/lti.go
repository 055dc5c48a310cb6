package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/layerlab/layerlab/web/locale"
)

// layerlab as an LTI 1.3 tool (IMS LTI Core 1.3, Deep Linking 2.0,
// Assignment and Grade Services 2.0). A platform (an LMS) registered with
// `layerlab lti add-platform` starts a launch at /lti/login (OIDC
// third-party initiated login); the tool answers with a redirect to the
// platform's authorization endpoint carrying a state and a nonce, and the
// platform posts a signed id_token to /lti/launch. A resource-link launch
// signs the LMS user in as a layerlab learner and opens the lesson or quiz
// the link names; a deep-linking launch shows a picker whose choice goes
// back to the platform as a signed LtiDeepLinkingResponse
// (web/lti_deeplink.go). Completing a lesson or a quiz posts a score to the
// line item the launch carried (web/lti_scores.go).

// The claim names of LTI 1.3 messages.
const (
	claimMessageType  = "https://purl.imsglobal.org/spec/lti/claim/message_type"
	claimVersion      = "https://purl.imsglobal.org/spec/lti/claim/version"
	claimDeploymentID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
	claimTargetLink   = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
	claimResourceLink = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
	claimRoles        = "https://purl.imsglobal.org/spec/lti/claim/roles"
	claimAGS          = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
	claimDLSettings   = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
	claimDLItems      = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
	claimDLData       = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
	claimDLMessage    = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"

	scopeScore = "https://purl.imsglobal.org/spec/lti-ags/scope/score"

	msgResourceLink = "LtiResourceLinkRequest"
	msgDeepLinking  = "LtiDeepLinkingRequest"
	msgDLResponse   = "LtiDeepLinkingResponse"
)

const (
	// ltiLoginLifetime is how long a login may take to come back as a
	// launch.
	ltiLoginLifetime = 10 * time.Minute
	// ltiSkew is the clock difference allowed between platform and tool.
	ltiSkew = time.Minute
	// ltiMaxTokenAge refuses id_tokens issued longer ago than this, even
	// when the platform gave them a longer life.
	ltiMaxTokenAge = time.Hour
	ltiStateCookie = "layerlab_lti_state"
	ltiFrameCookie = "layerlab_lti_frame"
)

func launchError(status int, format string, args ...any) error {
	return echo.NewHTTPError(status, "The LMS launch was refused: "+fmt.Sprintf(format, args...))
}

func (s *Server) ltiRoutes(e *echo.Echo) {
	g := e.Group("/lti")
	if s.LTI == nil {
		g.Any("/*", func(c echo.Context) error {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "this server's storage has no LTI platforms")
		})
		return
	}
	g.Use(s.ltiFrameable)
	g.GET("/login", s.ltiLogin)
	g.POST("/login", s.ltiLogin)
	g.POST("/launch", s.ltiLaunch)
	g.GET("/jwks.json", s.ltiJWKS)
	g.POST("/deep-link", s.ltiDeepLinkChoice)
}

// ltiFrameable lets the registered platforms frame the LTI pages (the
// launch and its error pages show inside the LMS).
func (s *Server) ltiFrameable(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ps, err := s.LTI.Platforms(c.Request().Context())
		if err != nil {
			return err
		}
		var origins []string
		for _, p := range ps {
			origins = append(origins, platformOrigins(p, "")...)
		}
		s.allowFraming(c, origins, "")
		return next(c)
	}
}

// platformOrigins are the origins a platform's pages may come from: its
// issuer's and its authorization endpoint's, plus extra (the origin of a
// return or line-item URL, which is the LMS's own host even where the
// issuer is shared by many LMS hosts).
func platformOrigins(p LTIPlatform, extra string) []string {
	var out []string
	for _, raw := range []string{p.Issuer, p.AuthURL, extra} {
		if o := originOf(raw); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// originOf is the normalized origin of a URL, or "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	o, err := NormalizeOrigin(u.Scheme + "://" + u.Host)
	if err != nil {
		return ""
	}
	return o
}

// allowFraming replaces this response's "frame nobody" headers: origins
// (and the configured frame ancestors) may frame it. formAction, when
// set, is one more origin forms may post to.
func (s *Server) allowFraming(c echo.Context, origins []string, formAction string) {
	list := append([]string{}, origins...)
	for _, a := range s.cfg.FrameAncestors {
		if a != "*" && a != "'none'" && !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	fa := "'none'"
	if len(list) > 0 {
		fa = strings.Join(list, " ")
	}
	fo := "'self'"
	if formAction != "" {
		fo += " " + formAction
	}
	h := c.Response().Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors "+
		fa+"; base-uri 'none'; form-action "+fo)
}

// ltiCookie is a cookie the LMS's iframe must send back: on another site,
// a browser sends only SameSite=None cookies, and those only Secure.
func (s *Server) ltiCookie(c echo.Context, name, value, path string, maxAge int) *http.Cookie {
	ck := &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if s.cfg.SecureCookies || c.Scheme() == "https" {
		ck.Secure, ck.SameSite = true, http.SameSiteNoneMode
	}
	return ck
}

// findPlatform is the registered platform of an issuer and client id; the
// client id may be left out when the issuer has one registration.
func (s *Server) findPlatform(ctx context.Context, issuer, clientID string) (LTIPlatform, bool, error) {
	ps, err := s.LTI.Platforms(ctx)
	if err != nil {
		return LTIPlatform{}, false, err
	}
	var found []LTIPlatform
	for _, p := range ps {
		if p.Issuer == issuer && (clientID == "" || p.ClientID == clientID) {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return LTIPlatform{}, false, nil
	}
	return found[0], true, nil
}

func (s *Server) platformByID(ctx context.Context, id int64) (LTIPlatform, bool, error) {
	ps, err := s.LTI.Platforms(ctx)
	if err != nil {
		return LTIPlatform{}, false, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, true, nil
		}
	}
	return LTIPlatform{}, false, nil
}

// toolBase is this server's own origin, as the LMS reaches it.
func toolBase(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// ltiLogin answers the platform's third-party initiated login: it checks
// the platform is registered and the target is this tool, keeps a state
// and a nonce, and sends the browser to the platform's authorization
// endpoint, which posts the id_token to /lti/launch.
func (s *Server) ltiLogin(c echo.Context) error {
	iss, hint, target := c.FormValue("iss"), c.FormValue("login_hint"), c.FormValue("target_link_uri")
	clientID := c.FormValue("client_id")
	var missing []string
	for name, v := range map[string]string{"iss": iss, "login_hint": hint, "target_link_uri": target} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return launchError(http.StatusBadRequest, "the login request has no %s.", strings.Join(missing, ", "))
	}
	ctx := c.Request().Context()
	p, ok, err := s.findPlatform(ctx, iss, clientID)
	if err != nil {
		return err
	}
	if !ok {
		return launchError(http.StatusBadRequest, "no LMS with issuer %q (client id %q) is registered with this server. An administrator registers it with layerlab lti add-platform.", shorten(iss, 100), shorten(clientID, 60))
	}
	tu, err := url.Parse(target)
	if err != nil || !strings.EqualFold(tu.Host, c.Request().Host) {
		return launchError(http.StatusBadRequest, "the link's target %q is not on this server.", shorten(target, 100))
	}
	state, nonce := newToken(), newToken()
	if err := s.LTI.SaveLoginState(ctx, state, LTILoginState{Platform: p.ID, Nonce: nonce, Target: target, Expires: s.now().Add(ltiLoginLifetime)}, s.now()); err != nil {
		return err
	}
	c.SetCookie(s.ltiCookie(c, ltiStateCookie, state, "/lti", int(ltiLoginLifetime.Seconds())))
	q := url.Values{
		"scope":         {"openid"},
		"response_type": {"id_token"},
		"response_mode": {"form_post"},
		"prompt":        {"none"},
		"client_id":     {p.ClientID},
		"redirect_uri":  {toolBase(c) + "/lti/launch"},
		"login_hint":    {hint},
		"state":         {state},
		"nonce":         {nonce},
	}
	if m := c.FormValue("lti_message_hint"); m != "" {
		q.Set("lti_message_hint", m)
	}
	auth, err := url.Parse(p.AuthURL)
	if err != nil {
		return fmt.Errorf("platform %s: authorization URL: %w", p.Issuer, err)
	}
	merged := auth.Query()
	for k, v := range q {
		merged[k] = v
	}
	auth.RawQuery = merged.Encode()
	return c.Redirect(http.StatusFound, auth.String())
}

// launchClaims are the claims of an LTI 1.3 id_token the tool reads.
type launchClaims struct {
	Sub          string          `json:"sub"`
	Azp          string          `json:"azp"`
	Nonce        string          `json:"nonce"`
	Name         string          `json:"name"`
	MessageType  string          `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version      string          `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID string          `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	TargetLink   string          `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri"`
	Roles        json.RawMessage `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	ResourceLink *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link"`
	AGS *struct {
		Scope     []string `json:"scope"`
		LineItems string   `json:"lineitems"`
		LineItem  string   `json:"lineitem"`
	} `json:"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"`
	DL *dlSettings `json:"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"`
	// Presentation's locale is the LMS user's language (en-US, es-419…).
	Presentation *struct {
		Locale string `json:"locale"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/launch_presentation"`
}

type dlSettings struct {
	ReturnURL      string   `json:"deep_link_return_url"`
	AcceptTypes    []string `json:"accept_types"`
	AcceptMultiple bool     `json:"accept_multiple"`
	AcceptLineItem *bool    `json:"accept_lineitem"`
	Data           string   `json:"data,omitempty"`
	Title          string   `json:"title,omitempty"`
}

// verifyLaunch checks an id_token as LTI 1.3 asks (Security Framework
// 5.1.3): signed with RS256 by a key of the platform's set; iss the
// platform, aud holding the tool's client id (and azp naming it when there
// are several); not expired, not issued in the future or too long ago;
// the login's nonce, used once; then the LTI claims.
func (s *Server) verifyLaunch(ctx context.Context, p LTIPlatform, raw, nonce string) (*launchClaims, error) {
	msg, err := jws.Parse([]byte(raw))
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, launchError(http.StatusBadRequest, "the id_token is not a signed JWT.")
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if alg, _ := hdr.Algorithm(); alg.String() != jwa.RS256().String() {
		return nil, launchError(http.StatusUnauthorized, "the id_token is signed with %q; LTI 1.3 asks for RS256.", alg.String())
	}
	kid, _ := hdr.KeyID()
	key, err := s.platformKey(ctx, p.JWKSURL, kid)
	if err != nil {
		s.log.Warn("LTI launch: no platform key", "issuer", p.Issuer, "err", err)
		return nil, launchError(http.StatusUnauthorized, "the id_token's signing key could not be found: %v.", err)
	}
	tok, err := jwt.Parse([]byte(raw),
		jwt.WithKey(jwa.RS256(), key),
		jwt.WithValidate(true),
		jwt.WithClock(jwt.ClockFunc(s.now)),
		jwt.WithAcceptableSkew(ltiSkew),
		jwt.WithIssuer(p.Issuer),
		jwt.WithAudience(p.ClientID),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithRequiredClaim(jwt.IssuedAtKey),
	)
	switch {
	case err == nil:
	case errors.Is(err, jwt.TokenExpiredError()):
		return nil, launchError(http.StatusUnauthorized, "the id_token has expired. Open the link in the LMS again.")
	case errors.Is(err, jwt.InvalidIssuerError()):
		return nil, launchError(http.StatusUnauthorized, "the id_token's issuer is not the platform that started the login (%s).", p.Issuer)
	case errors.Is(err, jwt.InvalidAudienceError()):
		return nil, launchError(http.StatusUnauthorized, "the id_token is not meant for this tool (its audience does not hold client id %q).", p.ClientID)
	case errors.Is(err, jwt.InvalidIssuedAtError()), errors.Is(err, jwt.TokenNotYetValidError()):
		return nil, launchError(http.StatusUnauthorized, "the id_token is dated in the future; check the clocks of the LMS and this server.")
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return nil, launchError(http.StatusUnauthorized, "the id_token lacks a required claim (exp or iat).")
	case errors.Is(err, jwt.ValidateError()):
		return nil, launchError(http.StatusUnauthorized, "the id_token is not valid: %v.", err)
	default:
		return nil, launchError(http.StatusUnauthorized, "the id_token's signature does not verify with the platform's keys; it was changed or not signed by %s.", p.Issuer)
	}
	if iat, ok := tok.IssuedAt(); ok && s.now().Sub(iat) > ltiMaxTokenAge {
		return nil, launchError(http.StatusUnauthorized, "the id_token was issued more than an hour ago.")
	}
	aud, _ := tok.Audience()
	var cl launchClaims
	if err := json.Unmarshal(msg.Payload(), &cl); err != nil {
		return nil, launchError(http.StatusBadRequest, "the id_token's claims cannot be read.")
	}
	if (len(aud) > 1 || cl.Azp != "") && cl.Azp != p.ClientID {
		return nil, launchError(http.StatusUnauthorized, "the id_token's authorized party (azp) is not this tool's client id.")
	}
	if cl.Nonce == "" || cl.Nonce != nonce {
		return nil, launchError(http.StatusUnauthorized, "the id_token's nonce is not the one this login sent.")
	}
	exp, _ := tok.Expiration()
	fresh, err := s.LTI.UseNonce(ctx, p.ID, cl.Nonce, exp.Add(ltiSkew), s.now())
	if err != nil {
		return nil, err
	}
	if !fresh {
		return nil, launchError(http.StatusUnauthorized, "this id_token was already used (replayed). Open the link in the LMS again.")
	}
	if cl.Version != "1.3.0" {
		return nil, launchError(http.StatusBadRequest, "the LTI version is %q; this tool speaks 1.3.0.", shorten(cl.Version, 20))
	}
	if cl.DeploymentID == "" {
		return nil, launchError(http.StatusBadRequest, "the id_token has no deployment_id.")
	}
	if len(p.Deployments) > 0 && !slices.Contains(p.Deployments, cl.DeploymentID) {
		return nil, launchError(http.StatusForbidden, "deployment %q of %s is not registered with this tool. An administrator adds it with layerlab lti add-platform --deployment-id.", shorten(cl.DeploymentID, 60), p.Issuer)
	}
	if cl.Sub == "" {
		return nil, launchError(http.StatusBadRequest, "the id_token names no user (sub); anonymous launches are not supported.")
	}
	if cl.Roles == nil {
		return nil, launchError(http.StatusBadRequest, "the id_token has no roles claim.")
	}
	switch cl.MessageType {
	case msgResourceLink:
		if cl.ResourceLink == nil || cl.ResourceLink.ID == "" {
			return nil, launchError(http.StatusBadRequest, "the resource link launch has no resource_link id.")
		}
		if cl.TargetLink == "" {
			return nil, launchError(http.StatusBadRequest, "the resource link launch has no target_link_uri.")
		}
	case msgDeepLinking:
		if cl.DL == nil || cl.DL.ReturnURL == "" {
			return nil, launchError(http.StatusBadRequest, "the deep linking request has no deep_link_return_url.")
		}
		if !slices.Contains(cl.DL.AcceptTypes, "ltiResourceLink") {
			return nil, launchError(http.StatusBadRequest, "the LMS does not accept LTI resource links here, the only kind of item this tool offers.")
		}
	default:
		return nil, launchError(http.StatusBadRequest, "message type %q is not one this tool handles.", shorten(cl.MessageType, 40))
	}
	return &cl, nil
}

// ltiLaunch receives the platform's id_token.
func (s *Server) ltiLaunch(c echo.Context) error {
	if e := c.FormValue("error"); e != "" {
		return launchError(http.StatusBadRequest, "the LMS answered %q: %s", shorten(e, 40), shorten(c.FormValue("error_description"), 200))
	}
	raw, state := c.FormValue("id_token"), c.FormValue("state")
	if raw == "" || state == "" {
		return launchError(http.StatusBadRequest, "the launch carries no id_token or no state.")
	}
	if ck, err := c.Cookie(ltiStateCookie); err == nil && ck.Value != state {
		return launchError(http.StatusUnauthorized, "this launch belongs to another login in this browser.")
	}
	ctx := c.Request().Context()
	st, ok, err := s.LTI.TakeLoginState(ctx, state, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return launchError(http.StatusUnauthorized, "the launch is unknown, expired or was already used. Open the link in the LMS again.")
	}
	c.SetCookie(s.ltiCookie(c, ltiStateCookie, "", "/lti", -1))
	p, ok, err := s.platformByID(ctx, st.Platform)
	if err != nil {
		return err
	}
	if !ok {
		return launchError(http.StatusUnauthorized, "the platform of this login is no longer registered.")
	}
	cl, err := s.verifyLaunch(ctx, p, raw, st.Nonce)
	if err != nil {
		s.log.Warn("LTI launch refused", "issuer", p.Issuer, "err", err)
		return err
	}
	if cl.MessageType == msgDeepLinking {
		return s.ltiDeepLinkPicker(c, p, cl)
	}
	kind, id, ok := s.ltiTarget(cl.TargetLink)
	if !ok {
		return launchError(http.StatusNotFound, "the link's target %q names no lesson or quiz of this server.", shorten(cl.TargetLink, 100))
	}
	learner, err := s.LTI.LTILearner(ctx, p.ID, cl.Sub, newToken())
	if err != nil {
		return err
	}
	c.SetCookie(s.ltiCookie(c, learnerCookie, s.signLearner(learner), "/", 365*24*3600))
	extra := ""
	if cl.AGS != nil {
		extra = cl.AGS.LineItem
	}
	s.setFrameCookie(c, platformOrigins(p, extra))
	if cl.AGS != nil && cl.AGS.LineItem != "" && slices.Contains(cl.AGS.Scope, scopeScore) {
		if err := s.LTI.SaveLaunch(ctx, LTILaunch{Platform: p.ID, Learner: learner, Resource: kind + ":" + id,
			LineItem: cl.AGS.LineItem, UserID: cl.Sub, At: s.now()}); err != nil {
			return err
		}
	}
	s.log.Info("LTI launch", "issuer", p.Issuer, "resource", kind+":"+id)
	target := ltiPath(kind, id)
	// The page opens in the LMS user's language when layerlab speaks it
	// (web/locale); ?lang= also remembers it for the pages after.
	if cl.Presentation != nil && cl.Presentation.Locale != "" {
		if tag := locale.Pick("", "", cl.Presentation.Locale); tag != locale.Default || strings.HasPrefix(strings.ToLower(cl.Presentation.Locale), "en") {
			target += "?lang=" + tag
		}
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// ltiTarget reads which lesson or quiz a target link names.
func (s *Server) ltiTarget(target string) (kind, id string, ok bool) {
	u, err := url.Parse(target)
	if err != nil {
		return "", "", false
	}
	if id, found := strings.CutPrefix(u.Path, "/lessons/"); found {
		if _, _, err := s.findLesson(id); err == nil {
			return "lesson", id, true
		}
	}
	if id, found := strings.CutPrefix(u.Path, "/embed/quiz/"); found {
		if _, ok := s.Quizzes.Quiz(id); ok {
			return "quiz", id, true
		}
	}
	return "", "", false
}

// ltiPath is where a lesson or quiz opens.
func ltiPath(kind, id string) string {
	if kind == "quiz" {
		return "/embed/quiz/" + url.PathEscape(id)
	}
	return "/lessons/" + url.PathEscape(id)
}

// setFrameCookie remembers in the browser which LMS origins may frame the
// pages the learner goes on to (web/lti.go frameForLTI): signed, so only a
// launch can set it.
func (s *Server) setFrameCookie(c echo.Context, origins []string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(origins, " ")))
	c.SetCookie(s.ltiCookie(c, ltiFrameCookie, v+"."+s.mac("lti-frame", v)[:32], "/", 12*3600))
}

// frameForLTI lets the LMS a learner was launched from frame every page
// they open after the launch: the lesson, the next lesson, the quiz.
func (s *Server) frameForLTI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(ltiFrameCookie)
		if err != nil {
			return next(c)
		}
		v, sig, ok := strings.Cut(ck.Value, ".")
		if !ok || len(sig) != 32 || sig != s.mac("lti-frame", v)[:32] {
			return next(c)
		}
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return next(c)
		}
		origins := strings.Fields(string(b))
		for _, a := range s.cfg.FrameAncestors {
			if a != "*" && a != "'none'" && !slices.Contains(origins, a) {
				origins = append(origins, a)
			}
		}
		c.Response().Before(func() {
			h := c.Response().Header()
			csp := h.Get("Content-Security-Policy")
			if csp == "" || strings.Contains(csp, "frame-ancestors *") {
				return
			}
			h.Del("X-Frame-Options")
			var parts []string
			for _, d := range strings.Split(csp, ";") {
				d = strings.TrimSpace(d)
				if name, list, _ := strings.Cut(d, " "); name == "frame-ancestors" {
					have := strings.Fields(list)
					have = slices.DeleteFunc(have, func(o string) bool { return o == "'none'" })
					for _, o := range origins {
						if !slices.Contains(have, o) {
							have = append(have, o)
						}
					}
					d = name + " " + strings.Join(have, " ")
				}
				parts = append(parts, d)
			}
			h.Set("Content-Security-Policy", strings.Join(parts, "; "))
		})
		return next(c)
	}
}
