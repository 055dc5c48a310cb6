package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// testPlatform is an LMS for the LTI tests: no LMS runs here, so this one
// follows the message shapes of IMS LTI 1.3 Core, Deep Linking 2.0 and
// Assignment and Grade Services 2.0, and checks every message the tool
// sends it against the claims and fields those specifications require.
type testPlatform struct {
	t   testing.TB
	srv *httptest.Server

	ClientID   string
	Deployment string
	tool       string // the tool's base URL

	mu   sync.Mutex
	key  jwk.Key // the current signing key
	keys []jwk.Key
	// mutate changes an id_token's claims before it is signed; sign
	// replaces the key it is signed with.
	mutate func(claims map[string]any)
	signer jwk.Key
	// failTokens answers that many token requests with 503.
	failTokens int
	// bigJWKS pads the key set past what a tool should read.
	bigJWKS  bool
	jwksHits int
	// what the tool sent
	problems    []string
	tokenAsks   int
	tokens      map[string]bool
	jtis        map[string]bool
	scores      []map[string]any
	deepLinks   [][]map[string]any
	authQueries []url.Values
}

const (
	platformUser = "user-4711"
	lineItemPath = "/courses/7/lineitems/21"
)

func newTestPlatform(t testing.TB) *testPlatform {
	t.Helper()
	p := &testPlatform{t: t, ClientID: "layerlab-tool-1", Deployment: "deployment-1", tokens: map[string]bool{}, jtis: map[string]bool{}}
	p.rotate()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth", p.auth)
	mux.HandleFunc("POST /auth", p.auth)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("POST "+lineItemPath+"/scores", p.score)
	mux.HandleFunc("POST /deep-link-return", p.deepLinkReturn)
	mux.HandleFunc("GET /course", p.course)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testPlatform) Issuer() string   { return p.srv.URL }
func (p *testPlatform) AuthURL() string  { return p.srv.URL + "/auth" }
func (p *testPlatform) TokenURL() string { return p.srv.URL + "/token" }
func (p *testPlatform) JWKSURL() string  { return p.srv.URL + "/jwks" }

// rotate makes a new signing key with a new kid; the old stays in the
// key set (as platforms publish both while they roll over).
func (p *testPlatform) rotate() {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	k, err := jwk.Import(raw)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k.Set(jwk.KeyIDKey, fmt.Sprintf("platform-key-%d", len(p.keys)+1))
	k.Set(jwk.AlgorithmKey, jwa.RS256())
	p.key = k
	p.keys = append(p.keys, k)
}

func (p *testPlatform) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// Problems are what the platform found wrong in the tool's messages.
func (p *testPlatform) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.problems)
}

func (p *testPlatform) jwks(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.jwksHits++
	if p.bigJWKS {
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"keys":[],"padding":"`+strings.Repeat("x", 300<<10)+`"}`)
		return
	}
	set := jwk.NewSet()
	for _, k := range p.keys {
		pub, _ := k.PublicKey()
		set.AddKey(pub)
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(set)
}

// loginHint says what the launch is: "resource" or "deeplink".
func (p *testPlatform) LoginURL(hint, target string) string {
	if target == "" {
		_, target, _ = strings.Cut(hint, " ")
	}
	q := url.Values{
		"iss":               {p.Issuer()},
		"login_hint":        {hint},
		"target_link_uri":   {target},
		"client_id":         {p.ClientID},
		"lti_deployment_id": {p.Deployment},
		"lti_message_hint":  {"msg-" + hint},
	}
	return p.tool + "/lti/login?" + q.Encode()
}

// auth is the platform's OIDC authorization endpoint (LTI Security
// Framework 5.1.1.2): it checks the tool's authentication request and
// answers with a page that posts the id_token to the redirect_uri.
func (p *testPlatform) auth(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	q := r.Form
	p.mu.Lock()
	p.authQueries = append(p.authQueries, q)
	p.mu.Unlock()
	for name, want := range map[string]string{
		"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
		"client_id": p.ClientID, "redirect_uri": p.tool + "/lti/launch",
	} {
		if got := q.Get(name); got != want {
			p.problem("auth request: %s = %q, want %q", name, got, want)
			http.Error(w, "invalid_request: "+name, http.StatusBadRequest)
			return
		}
	}
	for _, name := range []string{"login_hint", "state", "nonce", "lti_message_hint"} {
		if q.Get(name) == "" {
			p.problem("auth request: no %s", name)
			http.Error(w, "invalid_request: "+name, http.StatusBadRequest)
			return
		}
	}
	if q.Get("lti_message_hint") != "msg-"+q.Get("login_hint") {
		p.problem("auth request: lti_message_hint %q not passed on", q.Get("lti_message_hint"))
	}
	claims := p.launchClaims(q.Get("login_hint"), q.Get("nonce"))
	tok := p.sign(claims)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	autoPost.Execute(w, map[string]string{"Action": q.Get("redirect_uri"), "IDToken": tok, "State": q.Get("state")})
}

var autoPost = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html lang="en"><head><title>Launching</title></head><body>
<form id="launch" method="post" action="{{.Action}}">
<input type="hidden" name="id_token" value="{{.IDToken}}">
<input type="hidden" name="state" value="{{.State}}">
<button type="submit">Continue</button>
</form>
<script>document.getElementById("launch").submit();</script>
</body></html>`))

// launchClaims are an id_token's claims with everything LTI 1.3 requires
// of a resource link launch (Core 5.3) or of a deep linking request (Deep
// Linking 4.4). The login hint carries the kind, and the resource link's
// target: "resource <target>" or "deeplink".
func (p *testPlatform) launchClaims(hint, nonce string) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss":   p.Issuer(),
		"sub":   platformUser,
		"aud":   []string{p.ClientID},
		"exp":   now.Add(5 * time.Minute).Unix(),
		"iat":   now.Unix(),
		"nonce": nonce,
		"name":  "Ada Learner",
		"https://purl.imsglobal.org/spec/lti/claim/version":       "1.3.0",
		"https://purl.imsglobal.org/spec/lti/claim/deployment_id": p.Deployment,
		"https://purl.imsglobal.org/spec/lti/claim/context": map[string]any{
			"id": "course-7", "label": "DOCK101", "title": "Containers 101", "type": []string{"http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"},
		},
		"https://purl.imsglobal.org/spec/lti/claim/tool_platform": map[string]any{
			"guid": "platform-guid-1", "name": "Test LMS", "product_family_code": "layerlab-test-lms", "version": "1",
		},
	}
	kind, target, _ := strings.Cut(hint, " ")
	switch kind {
	case "deeplink":
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiDeepLinkingRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}
		c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = map[string]any{
			"deep_link_return_url":                 p.srv.URL + "/deep-link-return",
			"accept_types":                         []string{"link", "ltiResourceLink"},
			"accept_presentation_document_targets": []string{"iframe", "window"},
			"accept_multiple":                      true,
			"accept_lineitem":                      true,
			"auto_create":                          true,
			"title":                                "Course materials",
			"data":                                 "csrf-opaque-9c1",
		}
	default:
		c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiResourceLinkRequest"
		c["https://purl.imsglobal.org/spec/lti/claim/roles"] = []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"}
		c["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"] = target
		c["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = map[string]any{"id": "link-1", "title": "Images and containers"}
		c["https://purl.imsglobal.org/spec/lti/claim/launch_presentation"] = map[string]any{"document_target": "iframe", "return_url": p.srv.URL + "/course"}
		c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = map[string]any{
			"scope": []string{
				"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
				"https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
				"https://purl.imsglobal.org/spec/lti-ags/scope/score",
			},
			"lineitems": p.srv.URL + "/courses/7/lineitems",
			"lineitem":  p.srv.URL + lineItemPath,
		}
	}
	p.mu.Lock()
	mutate := p.mutate
	p.mu.Unlock()
	if mutate != nil {
		mutate(c)
	}
	return c
}

func (p *testPlatform) sign(claims map[string]any) string {
	p.mu.Lock()
	key := p.key
	if p.signer != nil {
		key = p.signer
	}
	p.mu.Unlock()
	tok := jwt.New()
	for k, v := range claims {
		if err := tok.Set(k, v); err != nil {
			p.t.Errorf("claim %s: %v", k, err)
		}
	}
	b, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256(), key))
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b)
}

// verifyTool checks a JWT the tool signed against the tool's published
// key set, with the issuer and audience given.
func (p *testPlatform) verifyTool(raw, iss, aud string) (jwt.Token, error) {
	set, err := jwk.Fetch(context.Background(), p.tool+"/lti/jwks.json")
	if err != nil {
		return nil, fmt.Errorf("fetching the tool's keys: %w", err)
	}
	return jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithIssuer(iss), jwt.WithAudience(aud),
		jwt.WithRequiredClaim("exp"), jwt.WithRequiredClaim("iat"))
}

// token is the platform's OAuth 2 token endpoint: a client-credentials
// grant with a JWT client assertion (RFC 7523), as the LTI Security
// Framework 4.1 asks.
func (p *testPlatform) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	p.tokenAsks++
	fail := p.failTokens > 0
	if fail {
		p.failTokens--
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	bad := func(format string, args ...any) {
		p.problem("token request: "+format, args...)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_request"}`)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		bad("content type %q", ct)
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		bad("grant_type %q", g)
		return
	}
	if a := r.PostForm.Get("client_assertion_type"); a != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		bad("client_assertion_type %q", a)
		return
	}
	if !slices.Contains(strings.Fields(r.PostForm.Get("scope")), "https://purl.imsglobal.org/spec/lti-ags/scope/score") {
		bad("scope %q lacks the score scope", r.PostForm.Get("scope"))
		return
	}
	tok, err := p.verifyTool(r.PostForm.Get("client_assertion"), p.ClientID, p.TokenURL())
	if err != nil {
		bad("client assertion: %v", err)
		return
	}
	sub, _ := tok.Subject()
	jti, _ := tok.JwtID()
	p.mu.Lock()
	replay := p.jtis[jti]
	p.jtis[jti] = true
	p.mu.Unlock()
	if sub != p.ClientID || jti == "" || replay {
		bad("client assertion: sub %q, jti %q (seen before: %v)", sub, jti, replay)
		return
	}
	access := fmt.Sprintf("access-%d", time.Now().UnixNano())
	p.mu.Lock()
	p.tokens[access] = true
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600, "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score"})
}

var scoreTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// score is a line item's scores endpoint (AGS 2.0, Score publish
// service).
func (p *testPlatform) score(w http.ResponseWriter, r *http.Request) {
	bad := func(status int, format string, args ...any) {
		p.problem("score: "+format, args...)
		http.Error(w, fmt.Sprintf(format, args...), status)
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	known := p.tokens[bearer]
	p.mu.Unlock()
	if !ok || !known {
		bad(http.StatusUnauthorized, "no access token the platform issued")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.ims.lis.v1.score+json" {
		bad(http.StatusUnsupportedMediaType, "content type %q", ct)
		return
	}
	var s map[string]any
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		bad(http.StatusBadRequest, "body: %v", err)
		return
	}
	if u, _ := s["userId"].(string); u == "" {
		bad(http.StatusBadRequest, "no userId")
		return
	}
	if ts, _ := s["timestamp"].(string); !scoreTimestamp.MatchString(ts) {
		bad(http.StatusBadRequest, "timestamp %q is not ISO 8601 with sub-second precision", ts)
		return
	}
	if a, _ := s["activityProgress"].(string); !slices.Contains([]string{"Initialized", "Started", "InProgress", "Submitted", "Completed"}, a) {
		bad(http.StatusBadRequest, "activityProgress %q", a)
		return
	}
	if g, _ := s["gradingProgress"].(string); !slices.Contains([]string{"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}, g) {
		bad(http.StatusBadRequest, "gradingProgress %q", g)
		return
	}
	given, gok := s["scoreGiven"].(float64)
	maxi, mok := s["scoreMaximum"].(float64)
	if gok != mok || (gok && (given < 0 || maxi <= 0)) {
		bad(http.StatusBadRequest, "scoreGiven %v scoreMaximum %v", s["scoreGiven"], s["scoreMaximum"])
		return
	}
	p.mu.Lock()
	p.scores = append(p.scores, s)
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Scores are the scores the line item received.
func (p *testPlatform) Scores() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.scores)
}

// deepLinkReturn receives the LtiDeepLinkingResponse (Deep Linking 4.5).
func (p *testPlatform) deepLinkReturn(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	raw := r.PostForm.Get("JWT")
	tok, err := p.verifyTool(raw, p.ClientID, p.Issuer())
	if err != nil {
		p.problem("deep linking response: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var claims map[string]any
	parts := strings.Split(raw, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(b, &claims)
	check := func(name string, want any) {
		if got := claims[name]; fmt.Sprint(got) != fmt.Sprint(want) {
			p.problem("deep linking response: %s = %v, want %v", name, got, want)
		}
	}
	check("https://purl.imsglobal.org/spec/lti/claim/message_type", "LtiDeepLinkingResponse")
	check("https://purl.imsglobal.org/spec/lti/claim/version", "1.3.0")
	check("https://purl.imsglobal.org/spec/lti/claim/deployment_id", p.Deployment)
	check("https://purl.imsglobal.org/spec/lti-dl/claim/data", "csrf-opaque-9c1")
	if n, _ := claims["nonce"].(string); n == "" {
		p.problem("deep linking response: no nonce")
	}
	if aud, _ := tok.Audience(); len(aud) != 1 {
		p.problem("deep linking response: aud %v, want the platform alone", aud)
	}
	items, _ := claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"].([]any)
	var got []map[string]any
	for _, it := range items {
		m, _ := it.(map[string]any)
		if m["type"] != "ltiResourceLink" {
			p.problem("deep linking response: item type %v", m["type"])
		}
		if u, _ := m["url"].(string); !strings.HasPrefix(u, p.tool+"/") {
			p.problem("deep linking response: item url %q is not the tool's", u)
		}
		if li, ok := m["lineItem"].(map[string]any); ok {
			if mx, _ := li["scoreMaximum"].(float64); mx <= 0 {
				p.problem("deep linking response: line item without a positive scoreMaximum: %v", li)
			}
		}
		got = append(got, m)
	}
	p.mu.Lock()
	p.deepLinks = append(p.deepLinks, got)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>Course</title></head><body><h1 id="added">Added %d item(s) to the course</h1></body></html>`, len(got))
}

// DeepLinks are the items of each deep linking response received.
func (p *testPlatform) DeepLinks() [][]map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.deepLinks)
}

// course is a course page of the LMS that opens the tool in an iframe,
// as a learner meets it.
func (p *testPlatform) course(w http.ResponseWriter, r *http.Request) {
	src := p.LoginURL(r.URL.Query().Get("hint"), r.URL.Query().Get("target"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	template.Must(template.New("c").Parse(`<!DOCTYPE html>
<html lang="en"><head><title>Containers 101 · Test LMS</title></head><body>
<h1>Containers 101</h1>
<iframe id="tool" title="layerlab" src="{{.}}" width="1200" height="800" allow="clipboard-write"></iframe>
</body></html>`)).Execute(w, src)
}
