package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web/ui"
)

const (
	instructorCookie = "layerlab_instructor"
	loginLifetime    = 12 * time.Hour
)

// AnswerCount is how many stored answers to one question were one given
// answer.
type AnswerCount struct {
	Quiz, Question, Answer string
	Correct                bool
	N                      int
}

// OriginCount is the embed answers that came from one embedding origin.
type OriginCount struct {
	Origin               string
	N, Correct, Learners int
}

// LessonSteps is how many learners completed exactly Steps distinct
// steps of one lesson (Steps ≥ 1: a learner with no step done has no row).
type LessonSteps struct {
	Lesson          string
	Steps, Learners int
}

// unknownAccountHash is checked against when no account has the email: an
// argon2id hash with the parameters HashPassword uses, of a password that
// is not used anywhere.
const unknownAccountHash = "$argon2id$v=19$m=19456,t=2,p=1$sCCCSePOjs4gpeAjTjjphg$F4WQdp8tsLrbmqQUVFTeBnuOB+qXEfJLQn2Nd/faW/c"

func (s *Server) instructorRoutes(e *echo.Echo) {
	g := e.Group("/instructor")
	is, qs := s.Instructors, s.Answers
	if is == nil {
		g.Any("*", func(c echo.Context) error {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "this server's storage has no instructor accounts")
		})
		return
	}
	// Double-submit CSRF token: a cookie only this site can set, echoed in
	// every form. The cookie is scoped to /instructor and never read by JS.
	// Ten login attempts a minute per address, counted before anything
	// else looks at them, so passwords cannot be guessed at speed.
	g.Use(s.addressLimiter(rate.Every(6*time.Second), 10, "too many login attempts from this address; wait a minute",
		func(c echo.Context) bool {
			return c.Request().Method != http.MethodPost || c.Path() != "/instructor/login"
		}))
	g.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		CookieName:     "layerlab_csrf",
		CookiePath:     "/instructor",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
		CookieSecure:   s.cfg.SecureCookies,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "the form was stale or not sent from this site; reload the page and try again")
		},
	}))
	g.GET("/login", func(c echo.Context) error { return s.loginPage(c, "", http.StatusOK) })
	g.POST("/login", func(c echo.Context) error { return s.login(c, is) })
	auth := g.Group("", s.requireLogin(is))
	auth.POST("/logout", func(c echo.Context) error { return s.logout(c, is) })
	auth.GET("", func(c echo.Context) error { return s.dashboard(c, qs) })
	auth.GET("/", func(c echo.Context) error { return s.dashboard(c, qs) })
	auth.GET("/export.csv", func(c echo.Context) error { return s.exportCSV(c, qs) })
	s.classRoutes(e, auth)
	auth.GET("/lti", s.instructorLTI)
	auth.Any("/*", func(c echo.Context) error { return fmt.Errorf("%w", errNotFound) })
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// requireLogin lets a request through only with a live login session; any
// other request is sent to the login page.
func (s *Server) requireLogin(is InstructorStore) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if ck, err := c.Cookie(instructorCookie); err == nil && len(ck.Value) == 64 {
				email, ok, err := is.Login(c.Request().Context(), hashToken(ck.Value), s.now())
				if err != nil {
					return err
				}
				if ok {
					c.Set("instructor", email)
					c.Response().Header().Set("Cache-Control", "no-store")
					return next(c)
				}
			}
			return c.Redirect(http.StatusSeeOther, "/instructor/login?next="+url.QueryEscape(c.Request().URL.Path))
		}
	}
}

func (s *Server) loginPage(c echo.Context, problem string, status int) error {
	next := c.FormValue("next")
	if !strings.HasPrefix(next, "/instructor") || strings.HasPrefix(next, "//") {
		next = "/instructor"
	}
	tok, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return s.render(c, status, ui.InstructorLogin(ui.LoginView{CSRF: tok, Next: next, Problem: problem, Email: c.FormValue("email")}))
}

func (s *Server) login(c echo.Context, is InstructorStore) error {
	email, password := strings.TrimSpace(c.FormValue("email")), c.FormValue("password")
	ctx := c.Request().Context()
	if wait := s.logins.wait(email, s.now()); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return s.loginPage(c, backoffMessage(wait), http.StatusTooManyRequests)
	}
	id, hash, found, err := is.Instructor(ctx, email)
	if err != nil {
		return err
	}
	ok := false
	if found {
		if ok, err = CheckPassword(hash, password); err != nil {
			return err
		}
	} else {
		// Spend the same time on an unknown email, so timing does not tell
		// which emails have accounts: the same check against a hash no
		// password matches. (Hashing the password instead would answer at
		// once for one over HashPassword's length limit.)
		CheckPassword(unknownAccountHash, password)
	}
	if !ok {
		s.logins.failed(email, s.now())
		s.log.Warn("instructor login failed", "email", email)
		return s.loginPage(c, "That email and password do not match an instructor account.", http.StatusUnauthorized)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("making a session token: %w", err)
	}
	s.logins.succeeded(email)
	tok := hex.EncodeToString(b)
	if err := is.CreateLogin(ctx, hashToken(tok), id, s.now().Add(loginLifetime)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: instructorCookie, Value: tok, Path: "/instructor", MaxAge: int(loginLifetime.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || c.IsTLS(),
	})
	next := c.FormValue("next")
	if !strings.HasPrefix(next, "/instructor") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/instructor/login") {
		next = "/instructor"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context, is InstructorStore) error {
	if ck, err := c.Cookie(instructorCookie); err == nil {
		if err := is.DeleteLogin(c.Request().Context(), hashToken(ck.Value)); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: instructorCookie, Value: "", Path: "/instructor", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/instructor/login")
}

func (s *Server) dashboard(c echo.Context, qs AnswerStore) error {
	ctx := c.Request().Context()
	email, _ := c.Get("instructor").(string)
	classes, err := s.Instructors.Classes(ctx, email)
	if err != nil {
		return err
	}
	shown, err := classFilter(c, classes)
	if err != nil {
		return err
	}
	counts, err := qs.AnswerCounts(ctx, shown.ID)
	if err != nil {
		return err
	}
	origins, err := qs.OriginCounts(ctx)
	if err != nil {
		return err
	}
	steps, err := qs.LessonProgress(ctx, shown.ID)
	if err != nil {
		return err
	}
	sources, err := qs.AnswerSources(ctx, shown.ID)
	if err != nil {
		return err
	}
	v := dashboardView(s.Quizzes, counts)
	for _, o := range origins {
		v.Origins = append(v.Origins, ui.OriginRow{Origin: o.Origin, Answers: o.N, Learners: o.Learners, Percent: percent(o.Correct, o.N)})
	}
	course, _ := s.lessons.get()
	v.Lessons = lessonRows(course, steps)
	addSources(v.Quizzes, sources, course)
	if v.Classes, v.Members, err = s.classViews(c, s.Instructors, classes, shown); err != nil {
		return err
	}
	v.Class = shown.Name
	if shown.ID != 0 {
		v.ClassID = strconv.FormatInt(shown.ID, 10)
		v.ClassMine = ownsClass(c, shown)
		v.ClassOwner = shown.Owner
		if v.CoInstructors, err = s.Instructors.ClassInstructors(ctx, shown.ID); err != nil {
			return err
		}
	}
	if shown.ID != 0 {
		// Embed answers carry an embed's own learner id, never a member's.
		v.Origins = nil
	}
	v.Email = email
	v.CSRF, _ = c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return s.render(c, http.StatusOK, ui.InstructorDashboard(v))
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return (n*100 + of/2) / of
}

// dashboardView folds answer counts into quizzes and questions, in the
// order of the quiz files, with the distribution of answers per question.
func dashboardView(set *quizzes.Set, counts []AnswerCount) ui.DashboardView {
	type key struct{ quiz, question string }
	byQ := map[key][]AnswerCount{}
	for _, c := range counts {
		k := key{c.Quiz, c.Question}
		byQ[k] = append(byQ[k], c)
	}
	var v ui.DashboardView
	for _, quiz := range set.All() {
		qv := ui.QuizStatsView{ID: quiz.ID, Title: quiz.Title}
		for i := range quiz.Questions {
			qu := &quiz.Questions[i]
			sv := ui.QuestionStatsView{ID: qu.ID, Prompt: qu.Prompt, Type: qu.Type}
			for _, c := range byQ[key{quiz.ID, qu.ID}] {
				sv.Answers += c.N
				if c.Correct {
					sv.Correct += c.N
				}
				sv.Bars = append(sv.Bars, ui.Bar{Label: answerLabel(qu, c.Answer), N: c.N, Correct: c.Correct})
			}
			sort.SliceStable(sv.Bars, func(a, b int) bool { return sv.Bars[a].N > sv.Bars[b].N })
			if len(sv.Bars) > 8 {
				rest := ui.Bar{Label: "other answers"}
				for _, b := range sv.Bars[7:] {
					rest.N += b.N
				}
				sv.Bars = append(sv.Bars[:7], rest)
			}
			sv.Percent = percent(sv.Correct, sv.Answers)
			qv.Answers += sv.Answers
			qv.Questions = append(qv.Questions, sv)
		}
		v.Quizzes = append(v.Quizzes, qv)
		v.Total += qv.Answers
	}
	return v
}

// answerLabel names a stored answer for the chart: a choice's id and text
// where there is one, else the answer in words, shortened.
func answerLabel(qu *quizzes.Question, raw string) string {
	var id string
	if json.Unmarshal([]byte(raw), &id) == nil && (qu.Type == quizzes.Single || qu.Type == quizzes.Predict) {
		for i, c := range qu.Choices {
			if quizzes.ChoiceID(i) == id {
				return id + ") " + shorten(strings.Join(strings.Fields(c.Text), " "), 60)
			}
		}
	}
	if t, ok := questionAnswerText(qu, json.RawMessage(raw)); ok {
		return shorten(t, 60)
	}
	return shorten(raw, 60)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// exportCSV streams every answer as CSV, one row per stored answer: the
// answer in words (web/instructor_answers.go) and as stored, where it was
// given, and the learner by a pseudonym (web/learner.go), never by the
// cookie that is their session. The class column names the instructor's
// classes the learner is in. Cells that a spreadsheet would read as a formula are
// prefixed with a quote (OWASP's advice on CSV injection): answers and
// origins come from learners and other sites.
func (s *Server) exportCSV(c echo.Context, qs AnswerStore) error {
	course, _ := s.lessons.get()
	lessonOf := quizLessons(course)
	email, _ := c.Get("instructor").(string)
	classes, err := s.Instructors.Classes(c.Request().Context(), email)
	if err != nil {
		return err
	}
	classOf, err := learnerClasses(c.Request().Context(), s.Instructors, classes)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="layerlab-answers.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	w.Write(csvHeader)
	err = qs.AllAnswers(c.Request().Context(), func(a Answer) error {
		return w.Write(safeRow(a.Time.UTC().Format(time.RFC3339), s.pseudonym(a.Learner), classOf[a.Learner], a.Quiz, a.Question,
			answerText(s.Quizzes, a.Quiz, a.Question, a.Answer), strconv.FormatBool(a.Correct),
			answerSourceText(a, lessonOf), a.ClientID, a.Answer))
	})
	w.Flush()
	if err != nil {
		// The header is sent; all that is left is to cut the file short
		// and say so in the log.
		s.log.Error("exporting answers", "err", err)
	}
	return nil
}

var csvHeader = []string{"time", "learner", "class", "quiz", "question", "answer", "correct", "source", "client_id", "answer_json"}

func safeRow(cells ...string) []string {
	for i, v := range cells {
		cells[i] = safeCell(v)
	}
	return cells
}

func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
