package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"layerlab/quizzes"
	"layerlab/web/ui"
)

const learnerCookie = "layerlab_learner"

// answerRequest is the body of POST /api/quizzes/{quiz}/questions/{question}/answers.
type answerRequest struct {
	ClientID string          `json:"client_id"`
	Answer   json.RawMessage `json:"answer"`
	// Learner is an embedded widget's anonymous id from its own storage:
	// browsers do not send the learner cookie into a cross-site iframe, so
	// without it every answer from an embed would look like a new learner.
	Learner string `json:"learner,omitempty"`
}

// quizView is GET /api/quizzes/{quiz}: the questions without their answers.
type quizView struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	Summary   string           `json:"summary,omitempty"`
	Questions []quizzes.Public `json:"questions"`
}

// quizRoutes are the quiz API, the embeds and the instructor area.
func (s *Server) quizRoutes(e *echo.Echo) {
	if err := s.Quizzes.Prepare(context.Background(), s.Library); err != nil {
		// A predict question that cannot be run answers 500 when graded;
		// the rest of its quiz keeps working. lessons check reports it.
		s.log.Error("preparing predict questions", "err", err)
	}
	e.GET("/api/quizzes/:quiz", s.quizAPI)
	e.POST("/api/quizzes/:quiz/questions/:question/answers", s.answer, s.answerLimiter())
	s.embedRoutes(e)
	s.instructorRoutes(e)
}

// answerLimiter limits answers per client address: a widget on a busy page
// must not let one visitor fill the database.
func (s *Server) answerLimiter() echo.MiddlewareFunc {
	per := s.cfg.AnswerRate
	if per < 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	if per == 0 {
		per = 20
	}
	return s.addressLimiter(rate.Limit(per), int(per*3), "too many answers from this address; wait a moment", nil)
}

// addressLimiter allows each client address rate requests a second, in
// bursts of burst, and answers the rest with 429 and denied. Requests skip
// says yes to are not counted.
func (s *Server) addressLimiter(r rate.Limit, burst int, denied string, skip middleware.Skipper) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: r, Burst: burst, ExpiresIn: 3 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper: skip,
		Store:   store,
		// The peer address, not X-Forwarded-For, which any client can
		// write; unless the server is told a proxy in front appends the
		// client to it (else every client would share the proxy's budget).
		IdentifierExtractor: func(c echo.Context) (string, error) {
			if s.cfg.TrustProxy {
				return clientBehindProxy(c.Request()), nil
			}
			host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
			if err != nil {
				return c.Request().RemoteAddr, nil
			}
			return host, nil
		},
		DenyHandler: func(c echo.Context, id string, err error) error {
			s.metrics.limitHit("address " + c.Path())
			return echo.NewHTTPError(http.StatusTooManyRequests, denied)
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return echo.NewHTTPError(http.StatusForbidden, "cannot tell who is asking")
		},
	})
}

// clientBehindProxy is the client a proxy on a loopback or private address
// named last in X-Forwarded-For; addresses a client wrote further left are
// skipped.
func clientBehindProxy(r *http.Request) string {
	return echo.ExtractIPFromXFFHeader()(r)
}

func (s *Server) findQuestion(c echo.Context) (*quizzes.Quiz, *quizzes.Question, error) {
	quiz, ok := s.Quizzes.Quiz(c.Param("quiz"))
	if !ok {
		return nil, nil, fmt.Errorf("%w: no quiz %q", errNotFound, c.Param("quiz"))
	}
	q, ok := quiz.Question(c.Param("question"))
	if !ok {
		return nil, nil, fmt.Errorf("%w: quiz %q has no question %q", errNotFound, quiz.ID, c.Param("question"))
	}
	return quiz, q, nil
}

func (s *Server) quizAPI(c echo.Context) error {
	quiz, ok := s.Quizzes.Quiz(c.Param("quiz"))
	if !ok {
		return fmt.Errorf("%w: no quiz %q", errNotFound, c.Param("quiz"))
	}
	v := quizView{ID: quiz.ID, Title: quiz.Title, Summary: quiz.Summary}
	for i := range quiz.Questions {
		v.Questions = append(v.Questions, quiz.Questions[i].Public())
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) answer(c echo.Context) error {
	quiz, q, err := s.findQuestion(c)
	if err != nil {
		return err
	}
	// A JSON content type cannot be sent cross-site without a CORS preflight,
	// which this server never grants: that is this endpoint's CSRF defence.
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("%w: send the answer as application/json", errBadRequest)
	}
	var req answerRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return fmt.Errorf("%w: malformed JSON body: %v", errBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: malformed JSON body: more than one value", errBadRequest)
	}
	if !validClientID(req.ClientID) {
		return fmt.Errorf("%w: client_id must be 1 to 64 letters, digits, '-' or '_'", errBadRequest)
	}
	source, origin, err := s.answerSource(c)
	if err != nil {
		return err
	}
	res, err := q.Grade(req.Answer)
	if errors.Is(err, quizzes.ErrBadAnswer) {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	if err != nil {
		return err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, req.Answer); err != nil {
		return fmt.Errorf("%w: malformed answer: %v", errBadRequest, err)
	}
	learner := ""
	if source == "embed" && validToken(req.Learner) {
		if ck, err := c.Cookie(learnerCookie); err != nil || !validToken(ck.Value) {
			learner = req.Learner
		}
	}
	if learner == "" {
		learner = s.learnerID(c)
	}
	stored, err := s.Answers.SaveAnswer(c.Request().Context(), Answer{
		ClientID: req.ClientID,
		Learner:  learner,
		Quiz:     quiz.ID,
		Question: q.ID,
		Answer:   compact.String(),
		Correct:  res.Correct,
		Source:   source,
		Origin:   origin,
		Time:     s.now(),
	})
	if err != nil {
		return err
	}
	if !stored {
		// The same client id was stored before: answer what was stored, so
		// a retried request sees the same result as the first one.
		prev, found, err := s.Answers.AnswerByClientID(c.Request().Context(), req.ClientID)
		if err != nil {
			return err
		}
		if found {
			if prev.Quiz != quiz.ID || prev.Question != q.ID {
				return fmt.Errorf("%w: client_id %q was already used for another question", errBadRequest, req.ClientID)
			}
			if res, err = q.Grade(json.RawMessage(prev.Answer)); err != nil {
				return err
			}
		}
	}
	return c.JSON(http.StatusOK, res)
}

// answerSource says where an answer comes from. The embed page adds
// ?embed=ORIGIN, the origin of the page it is framed in (which quiz.js checks
// against the browser's ancestorOrigins or referrer); it must be an origin
// the server lets embed quizzes.
func (s *Server) answerSource(c echo.Context) (source, origin string, err error) {
	raw := c.QueryParam("embed")
	if raw == "" {
		if c.QueryParam("source") == "lesson" {
			return "lesson", "", nil
		}
		return "playground", "", nil
	}
	o, ok := parseOrigin(raw)
	if !ok {
		return "", "", fmt.Errorf("%w: embed must be an origin such as https://example.org", errBadRequest)
	}
	if !s.mayEmbed(o) {
		return "", "", fmt.Errorf("%w: %s may not embed quizzes", errBadRequest, o)
	}
	return "embed", o, nil
}

// parseOrigin accepts scheme://host[:port] and nothing more.
func parseOrigin(raw string) (string, bool) {
	if len(raw) > 200 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), true
}

func validClientID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// learnerID returns the anonymous learner id from its cookie, setting a new
// one when there is none.
func (s *Server) learnerID(c echo.Context) string {
	if ck, err := c.Cookie(learnerCookie); err == nil && validToken(ck.Value) {
		return ck.Value
	}
	id := newToken()
	c.SetCookie(&http.Cookie{
		Name: learnerCookie, Value: id, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || c.Scheme() == "https",
	})
	return id
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func validToken(s string) bool {
	if len(s) != 32 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

// firstQuestion is the question the playground shows: the first one of the
// image-versus-container check.
func (s *Server) firstQuestion() ui.QuestionView {
	quiz, ok := s.Quizzes.Quiz("image-vs-container")
	if !ok || len(quiz.Questions) == 0 {
		return ui.QuestionView{}
	}
	q := quiz.Questions[0]
	v := ui.QuestionView{Quiz: quiz.ID, ID: q.ID, Prompt: q.Prompt}
	for i, c := range q.Choices {
		v.Choices = append(v.Choices, ui.ChoiceView{ID: quizzes.ChoiceID(i), Text: c.Text})
	}
	return v
}

// quizPage makes the view of a whole quiz for the embed page.
func quizPage(q *quizzes.Quiz) ui.QuizPageView {
	v := ui.QuizPageView{ID: q.ID, Title: q.Title, Summary: q.Summary}
	for i := range q.Questions {
		p := q.Questions[i].Public()
		qv := ui.QuizQuestionView{ID: p.ID, Type: p.Type, Prompt: p.Prompt, Categories: p.Categories, Setup: p.Setup, Command: p.Command}
		for _, c := range p.Choices {
			qv.Choices = append(qv.Choices, ui.QuizEntry{ID: c.ID, Text: c.Text})
		}
		for _, c := range p.Steps {
			qv.Steps = append(qv.Steps, ui.QuizEntry{ID: c.ID, Text: c.Text})
		}
		for _, c := range p.Items {
			qv.Items = append(qv.Items, ui.QuizEntry{ID: c.ID, Text: c.Text})
		}
		v.Questions = append(v.Questions, qv)
	}
	return v
}
