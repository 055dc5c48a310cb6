package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"layerlab/quizzes"
	"layerlab/web/ui"
)

const learnerCookie = "layerlab_learner"

// answerRequest is the body of POST /api/quizzes/{quiz}/questions/{question}/answers.
type answerRequest struct {
	ClientID string          `json:"client_id"`
	Answer   json.RawMessage `json:"answer"`
}

// answerResponse is what the learner sees after answering.
type answerResponse struct {
	Correct     bool   `json:"correct"`
	Feedback    string `json:"feedback"`
	Explanation string `json:"explanation"`
}

// quizRoutes are the quiz API and pages.
func (s *Server) quizRoutes(e *echo.Echo) {
	e.POST("/api/quizzes/:quiz/questions/:question/answers", s.answer)
}

func (s *Server) answer(c echo.Context) error {
	quiz, ok := s.Quizzes.Quiz(c.Param("quiz"))
	if !ok {
		return fmt.Errorf("%w: no quiz %q", errNotFound, c.Param("quiz"))
	}
	q, ok := quiz.Question(c.Param("question"))
	if !ok {
		return fmt.Errorf("%w: quiz %q has no question %q", errNotFound, quiz.ID, c.Param("question"))
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
		return fmt.Errorf("%w: malformed JSON body: %v", errBadRequest, err)
	}
	if req.ClientID == "" || len(req.ClientID) > 64 {
		return fmt.Errorf("%w: client_id must be 1 to 64 characters", errBadRequest)
	}
	var choice string
	if err := json.Unmarshal(req.Answer, &choice); err != nil {
		return fmt.Errorf("%w: answer must be the id of a choice, as a string", errBadRequest)
	}
	correct, feedback, err := q.Grade(choice)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	var compact bytes.Buffer
	json.Compact(&compact, req.Answer)
	if _, err := s.Store.SaveAnswer(c.Request().Context(), Answer{
		ClientID: req.ClientID,
		Learner:  s.learnerID(c),
		Quiz:     quiz.ID,
		Question: q.ID,
		Answer:   compact.String(),
		Correct:  correct,
		Source:   "playground",
		Time:     s.now(),
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, answerResponse{Correct: correct, Feedback: feedback, Explanation: q.Explanation})
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
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https",
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
