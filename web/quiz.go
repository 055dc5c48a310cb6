package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web/ui"
)

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
	Pass      int              `json:"pass"`
	Questions []quizzes.Public `json:"questions"`
}

// quizRoutes are the quiz API, the embeds and the instructor area.
func (s *Server) quizRoutes(e *echo.Echo) {
	if err := s.Quizzes.Prepare(context.Background(), s.Library); err != nil {
		// A predict question that cannot be run answers 500 when graded;
		// the rest of its quiz keeps working. lessons check reports it.
		s.log.Error("preparing predict questions", "err", err)
	}
	s.loadQuizTranslations()
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
	quiz, ok := s.quizzesIn(c).Quiz(c.Param("quiz"))
	if !ok {
		return nil, nil, fmt.Errorf("%w: no quiz %q", errNotFound, c.Param("quiz"))
	}
	q, ok := quiz.Question(c.Param("question"))
	if !ok {
		return nil, nil, fmt.Errorf("%w: quiz %q has no question %q", errNotFound, quiz.ID, c.Param("question"))
	}
	return quiz, q, nil
}

// quizFor finds the request's quiz and the learner it is dealt to: an
// embed's widget names its own learner, as its answers do.
func (s *Server) quizFor(c echo.Context) (*quizzes.Quiz, string, error) {
	quiz, ok := s.quizzesIn(c).Quiz(c.Param("quiz"))
	if !ok {
		return nil, "", fmt.Errorf("%w: no quiz %q", errNotFound, c.Param("quiz"))
	}
	o, ok := parseOrigin(c.QueryParam("embed"))
	embed := ok && s.mayEmbed(o)
	return quiz, s.answerLearner(c, embed, c.QueryParam("learner")), nil
}

func (s *Server) quizAPI(c echo.Context) error {
	quiz, learner, err := s.quizFor(c)
	if err != nil {
		return err
	}
	v := quizView{ID: quiz.ID, Title: quiz.Title, Summary: quiz.Summary, Pass: quiz.PassMark()}
	for i := range quiz.Questions {
		v.Questions = append(v.Questions, s.dealer.Deal(quiz.ID, &quiz.Questions[i], learner).Public)
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
	lesson, err := s.answerLesson(c, source, quiz.ID)
	if err != nil {
		return err
	}
	learner := s.answerLearner(c, source == "embed", req.Learner)
	// The learner answers in the ids they were dealt; the canonical answer
	// is what is graded and stored, the same for every learner.
	canon, err := s.dealer.Deal(quiz.ID, q, learner).Canonical(req.Answer)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	res, err := q.Grade(canon)
	if errors.Is(err, quizzes.ErrBadAnswer) {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	if err != nil {
		return err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, canon); err != nil {
		return fmt.Errorf("%w: malformed answer: %v", errBadRequest, err)
	}
	stored, err := s.Answers.SaveAnswer(c.Request().Context(), Answer{
		ClientID: req.ClientID,
		Learner:  learner,
		Quiz:     quiz.ID,
		Question: q.ID,
		Answer:   compact.String(),
		Correct:  res.Correct,
		Source:   source,
		Lesson:   lesson,
		Origin:   origin,
		Time:     s.now(),
	})
	if err != nil {
		return err
	}
	if stored {
		s.emit(c.Request().Context(), LearningEvent{
			Kind: Answered, Learner: learner, Quiz: quiz.ID, Question: q.ID,
			Correct: res.Correct, Source: source, Origin: origin, Lesson: lesson, At: s.now(),
		})
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
	if !res.Correct {
		res.Solution = q.AnswerText()
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

// answerLesson is the lesson a lesson page's answer names (?lesson=ID),
// which must be a lesson of the course that ends with the quiz; "" when
// the answer names none.
func (s *Server) answerLesson(c echo.Context, source, quiz string) (string, error) {
	id := c.QueryParam("lesson")
	if id == "" {
		return "", nil
	}
	if source != "lesson" {
		return "", fmt.Errorf("%w: only an answer from a lesson page names a lesson", errBadRequest)
	}
	course, _ := s.lessons.get()
	if l, ok := course.Lesson(id); ok && l.Quiz == quiz {
		return l.ID, nil
	}
	return "", fmt.Errorf("%w: no lesson %q ends with the quiz %s", errBadRequest, shorten(id, 60), quiz)
}

// parseOrigin accepts scheme://host[:port] and nothing more, normalised
// (web/origin.go).
func parseOrigin(raw string) (string, bool) {
	o, err := NormalizeOrigin(raw)
	return o, err == nil
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

// answerLearner is who answers: the learner cookie; in an embed on another
// site, where the browser sends no cookie, the widget's own anonymous id.
// The embed's question list is dealt to the same learner the same way.
func (s *Server) answerLearner(c echo.Context, embed bool, claimed string) string {
	if embed && validToken(claimed) {
		if _, signed := s.signedLearner(c); !signed {
			return claimed
		}
	}
	return s.learnerID(c)
}

// quizView is the quiz as learner sees it, with their last answers.
func (s *Server) quizView(ctx context.Context, quiz *quizzes.Quiz, learner, source string) ui.QuizView {
	v := ui.QuizView{ID: quiz.ID, Title: quiz.Title, Summary: quiz.Summary, Pass: quiz.PassMark(), Source: source}
	last := map[string]Answer{}
	answers, err := s.Answers.LatestAnswers(ctx, learner, quiz.ID)
	if err != nil {
		// The page still works; it only forgets what was answered.
		s.log.Error("reading a learner's answers", "quiz", quiz.ID, "err", err)
	}
	for _, a := range answers {
		last[a.Question] = a
	}
	for i := range quiz.Questions {
		qu := &quiz.Questions[i]
		dl := s.dealer.Deal(quiz.ID, qu, learner)
		p := dl.Public
		qv := ui.QuizQuestionView{ID: p.ID, Type: p.Type, Prompt: p.Prompt, Categories: p.Categories, Setup: p.Setup, Command: p.Command}
		entries := func(in []quizzes.PublicEntry) []ui.QuizEntry {
			out := make([]ui.QuizEntry, len(in))
			for i, e := range in {
				out[i] = ui.QuizEntry{ID: e.ID, Text: e.Text}
			}
			return out
		}
		qv.Choices, qv.Steps, qv.Items = entries(p.Choices), entries(p.Steps), entries(p.Items)
		if a, ok := last[qu.ID]; ok {
			remember(&qv, qu, dl, json.RawMessage(a.Answer))
		}
		v.Questions = append(v.Questions, qv)
	}
	return v
}

// remember fills a question's view with the learner's last answer and its
// grading. An answer that no longer fits the question (the quiz file
// changed) is forgotten.
func remember(qv *ui.QuizQuestionView, qu *quizzes.Question, dl quizzes.Dealt, canon json.RawMessage) {
	res, err := qu.Grade(canon)
	if err != nil {
		return
	}
	mine := dl.Learner(canon)
	switch qu.Type {
	case quizzes.TrueFalse:
		var b bool
		if json.Unmarshal(mine, &b) == nil {
			qv.Picked = map[string]bool{strconv.FormatBool(b): true}
		}
	case quizzes.Short, quizzes.Predict, quizzes.Single:
		var text string
		if json.Unmarshal(mine, &text) != nil {
			return
		}
		if len(qv.Choices) > 0 {
			qv.Picked = map[string]bool{text: true}
		} else {
			qv.Text = text
		}
	case quizzes.Multiple:
		var ids []string
		if json.Unmarshal(mine, &ids) != nil {
			return
		}
		qv.Picked = map[string]bool{}
		for _, id := range ids {
			qv.Picked[id] = true
		}
	case quizzes.Ordering:
		var ids []string
		if json.Unmarshal(mine, &ids) != nil || len(ids) != len(qv.Steps) {
			return
		}
		byID := map[string]ui.QuizEntry{}
		for _, e := range qv.Steps {
			byID[e.ID] = e
		}
		steps := make([]ui.QuizEntry, 0, len(ids))
		for _, id := range ids {
			steps = append(steps, byID[id])
		}
		qv.Steps = steps
	case quizzes.Matching:
		if json.Unmarshal(mine, &qv.Match) != nil {
			return
		}
	}
	qv.Result, qv.Feedback, qv.Explanation = "wrong", res.Feedback, res.Explanation
	if res.Correct {
		qv.Result, qv.Feedback = "correct", ""
	} else {
		qv.Solution = qu.AnswerText()
	}
}

// playgroundQuiz is the knowledge check the playground shows: the
// image-versus-container check.
func (s *Server) playgroundQuiz(c echo.Context, learner string) ui.QuizView {
	quiz, ok := s.quizzesIn(c).Quiz("image-vs-container")
	if !ok {
		return ui.QuizView{}
	}
	v := s.quizView(c.Request().Context(), quiz, learner, "playground")
	v.Assets, v.OneAtATime = true, true
	return v
}
