package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// lessonBook holds the loaded course. In dev mode it reloads when a lesson
// file changes (polled on each request: no watcher goroutines) and keeps
// the checker's problems to show in the page.
type lessonBook struct {
	mu       sync.Mutex
	fsys     fs.FS
	dev      bool
	sig      string
	course   *lessons.Course
	problems []string
	s        *Server
	policy   *bluemonday.Policy // safe for concurrent use once built
	// goalViews caches the goal pictures of each loaded lesson.
	goalViews map[*lessons.Lesson]map[int]ui.VizView
	// langs is the course in each other language: translated lessons
	// where there are translations (lessons/es/…), English where not.
	langs map[string]*lessons.Course
}

func (s *Server) newLessonBook() *lessonBook {
	var fsys fs.FS = lessons.Files
	if s.cfg.LessonsDir != "" {
		fsys = os.DirFS(s.cfg.LessonsDir)
	}
	b := &lessonBook{fsys: fsys, dev: s.cfg.Dev, s: s, policy: markdownPolicy()}
	b.reload()
	return b
}

// signature is the names, sizes and mtimes of the lesson files.
func (b *lessonBook) signature() string {
	names, _ := fs.Glob(b.fsys, "*.md")
	more, _ := fs.Glob(b.fsys, "*/*.md")
	names = append(names, more...)
	var sb strings.Builder
	for _, n := range names {
		if st, err := fs.Stat(b.fsys, n); err == nil {
			fmt.Fprintf(&sb, "%s %d %d\n", n, st.Size(), st.ModTime().UnixNano())
		}
	}
	return sb.String()
}

func (b *lessonBook) reload() {
	b.sig = b.signature()
	course, probs := lessons.Load(b.fsys)
	b.course, b.problems = course, nil
	b.langs = map[string]*lessons.Course{}
	for _, l := range locale.Langs {
		if l.Tag == locale.Default {
			continue
		}
		tr, ps := lessons.LoadTranslation(b.fsys, l.Tag, course)
		b.langs[l.Tag] = tr
		probs = append(probs, ps...)
	}
	for _, p := range probs {
		b.s.log.Error("lesson skipped", "problem", p.Error())
		b.problems = append(b.problems, p.Error())
	}
	if b.dev {
		ck := lessons.Checker{Library: b.s.Library, KnownQuiz: b.s.knownQuiz}
		for _, l := range course.Lessons {
			for _, p := range ck.Check(context.Background(), l) {
				b.problems = append(b.problems, p.Error())
			}
		}
	}
}

// in is the course in language tag, reloaded first in dev mode when files
// changed: its lessons translated where a translation exists.
func (b *lessonBook) in(tag string) (*lessons.Course, []string) {
	course, probs := b.get()
	b.mu.Lock()
	defer b.mu.Unlock()
	if tr, ok := b.langs[tag]; ok && tr != nil {
		return tr, probs
	}
	return course, probs
}

// get returns the course, reloading it first in dev mode when files changed.
func (b *lessonBook) get() (*lessons.Course, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dev && b.signature() != b.sig {
		b.reload()
	}
	if !b.dev {
		return b.course, nil
	}
	return b.course, b.problems
}

func (s *Server) knownQuiz(id string) bool {
	if s.Quizzes == nil {
		return false
	}
	_, ok := s.Quizzes.Quiz(id)
	return ok
}

// lessonRoutes are the course and lesson pages.
func (s *Server) lessonRoutes(e *echo.Echo) {
	s.lessons = s.newLessonBook()
	e.GET("/lessons", s.coursePage)
	e.GET("/lessons/glossary", s.glossaryPage)
	e.GET("/lessons/:id", s.lessonPage)
	if s.cfg.Dev {
		e.GET("/dev/lessons-version", func(c echo.Context) error {
			return c.String(http.StatusOK, s.lessons.version())
		})
	}
}

// version is a short hash of the lesson files' names, sizes and mtimes, for
// live reload in dev mode; "" outside it.
func (b *lessonBook) version() string {
	if !b.dev {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	sum := sha256.Sum256([]byte(b.signature()))
	return hex.EncodeToString(sum[:8])
}

func (s *Server) progress(c echo.Context, learner string) map[string][]int {
	if s.Progress == nil {
		return nil
	}
	p, err := s.Progress.Progress(c.Request().Context(), learner)
	if err != nil {
		s.log.Error("reading lesson progress", "err", err)
		return nil
	}
	return p
}

func (s *Server) coursePage(c echo.Context) error {
	course, probs := s.lessons.in(lang(c))
	done := s.progress(c, s.learnerID(c))
	v := ui.CourseView{Problems: probs, DevVersion: s.lessons.version(), Meta: shareMeta(c, "/lessons", locale.T(c.Request().Context(), "course.description"), nil)}
	for _, l := range course.Lessons {
		n := 0
		for _, st := range done[l.ID] {
			if st < len(l.Steps) {
				n++
			}
		}
		v.Lessons = append(v.Lessons, ui.CourseLesson{ID: l.ID, Title: l.Title, Summary: l.Summary, Steps: len(l.Steps), Done: n})
	}
	return s.render(c, http.StatusOK, ui.Course(v))
}

func (s *Server) glossaryPage(c echo.Context) error {
	terms, err := lessons.GlossaryIn(lang(c))
	if err != nil {
		return err
	}
	v := make([]ui.GlossaryTerm, len(terms))
	for i, t := range terms {
		v[i] = ui.GlossaryTerm{ID: t.ID, Term: t.Term, Means: t.Means}
	}
	return s.render(c, http.StatusOK, ui.Glossary(v))
}

func (s *Server) findLesson(id string) (*lessons.Lesson, []string, error) {
	course, probs := s.lessons.get()
	l, ok := course.Lesson(id)
	if !ok {
		return nil, nil, fmt.Errorf("%w: no lesson %q", errNotFound, id)
	}
	return l, probs, nil
}

// lessonMode opens a lesson session for the websocket (?lesson=ID).
func (s *Server) lessonMode(c echo.Context, id, learner string) (sessionMode, error) {
	l, _, err := s.findLesson(id)
	if err != nil {
		return nil, err
	}
	return &lessonMode{s: s, lesson: l, learner: learner}, nil
}

// lessonMode is a session playing one lesson. The session's log is kept
// relative to the lesson's start state, so undo, reset and a reconnect all
// rebuild through setup.
type lessonMode struct {
	s       *Server
	lesson  *lessons.Lesson
	learner string
	play    *lessons.Play
	err     error
	// synced is false after setup until report has walked the goals
	// through the replayed log: a rebuild replays silently, so the steps
	// done are worked out again the way the learner reached them.
	synced bool
	// logged is how much of the session's log report has seen: a longer
	// log ending in a console line means the learner ran it.
	logged int
	// prediction is the grading of the prediction just made, for the
	// next report.
	prediction *predictionReport
}

// predictionReport is how a prediction fared, against what the simulator
// printed when its command ran.
type predictionReport struct {
	Step     int    `json:"step"`
	Correct  bool   `json:"correct"`
	Feedback string `json:"feedback,omitempty"`
}

// key gives each lesson its own stored session per learner.
func (m *lessonMode) key() string { return "lesson:" + m.lesson.ID }

// setup builds the lesson's start state. Progress starts over with it:
// report walks the goals again from the replayed state.
func (m *lessonMode) setup(c *docker.Console) error {
	m.synced = false
	p, err := lessons.NewPlay(context.Background(), m.lesson, c)
	if err != nil {
		m.err, m.play = err, nil
		return fmt.Errorf("starting lesson %s: %w", m.lesson.ID, err)
	}
	m.play, m.err = p, nil
	return nil
}

// lessonReport is the mode's part of every websocket result.
type lessonReport struct {
	Lesson    string `json:"lesson"`
	Steps     int    `json:"steps"`
	Done      []bool `json:"done"`
	Current   int    `json:"current"`
	Completed []int  `json:"completed,omitempty"` // steps this command completed
	Complete  bool   `json:"complete"`
	// Count is the commands run in the current step; Took how many each
	// step took.
	Count      int               `json:"count"`
	Took       []int             `json:"took"`
	Prediction *predictionReport `json:"prediction,omitempty"`
}

func (m *lessonMode) report(sess *session) any {
	if m.play == nil {
		return nil
	}
	var completed []int
	if m.synced {
		if n := len(sess.log); n > m.logged && sess.log[n-1].Kind == "cmd" {
			m.play.Ran(sess.log[n-1].Line)
		}
		m.play.Observe(sess.events)
		completed = m.play.Advance()
		m.save(completed)
	} else {
		m.catchUp(sess)
		m.synced = true
	}
	m.logged = len(sess.log)
	pred := m.prediction
	m.prediction = nil
	return lessonReport{
		Lesson: m.lesson.ID, Steps: len(m.lesson.Steps), Done: append([]bool(nil), m.play.Done...),
		Current: m.play.Current(), Completed: completed, Complete: m.play.Complete(),
		Count: m.play.Count, Took: append([]int(nil), m.play.Took...), Prediction: pred,
	}
}

// catchUp works out which steps the replayed log completed. Goals are
// judged after every action, as they were live, and some read what the
// last build did, so the log is played once more on a scratch engine whose
// events are watched (the session's replay emits none). Checking only the
// final state would be wrong: "stop web" is no longer visible once web is
// removed by the next step.
func (m *lessonMode) catchUp(sess *session) {
	if len(sess.log) == 0 {
		m.play.Advance()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.s.commandTime())
	defer cancel()
	var events []sim.Event
	eng := engine.New(engine.Config{
		Seed: sess.seed, Library: m.s.Library, Context: mapFS(pageturnFiles()),
		Emit: func(ev sim.Event) { events = append(events, ev) },
	})
	c := docker.NewConsole(eng, sim.Limits{})
	p, err := lessons.NewPlay(ctx, m.lesson, c)
	if err != nil {
		return // setup succeeded with the same input; nothing to add
	}
	files := readFiles(eng.Context())
	for _, e := range sess.log {
		events = events[:0]
		switch e.Kind {
		case "cmd":
			p.Ran(e.Line)
			// Each command gets its own time, as in the session's replay.
			cctx, ccancel := context.WithTimeout(context.Background(), m.s.commandTime())
			c.Run(cctx, e.Line)
			ccancel()
		case "file":
			files[e.Path] = e.Data
			eng.SetContext(mapFS(files))
		case "rmfile":
			delete(files, e.Path)
			eng.SetContext(mapFS(files))
		}
		p.Observe(events)
		p.Advance()
	}
	m.play.Adopt(p)
}

// predict grades a prediction for the current predict step, then runs
// its command in the learner's session: the grading is against exactly
// what the learner then sees printed, and running it completes the step.
func (m *lessonMode) predict(ctx context.Context, cl *wsClient, msg clientMsg) serverMsg {
	if m.play == nil {
		return errorMsg("this lesson did not start")
	}
	i, err := strconv.Atoi(msg.Target)
	if err != nil || i < 0 || i >= len(m.lesson.Steps) || m.lesson.Steps[i].Kind != lessons.Predict {
		return errorMsg("there is no prediction to make at step " + msg.Target)
	}
	if i != m.play.Current() {
		return errorMsg(fmt.Sprintf("step %d is not the current step", i+1))
	}
	if len(msg.Content) > maxFileBytes {
		return errorMsg("that prediction is too long")
	}
	st := &m.lesson.Steps[i]
	res, err := cl.sess.do(ctx, LogEntry{Kind: "cmd", Line: st.Command})
	if err != nil {
		return errorMsg(err.Error())
	}
	ok, feedback := st.Grade(res.output, msg.Content)
	m.prediction = &predictionReport{Step: i, Correct: ok, Feedback: feedback}
	out := cl.resultMsg(st.Command, res, false)
	out.Echo = true
	return out
}

func (m *lessonMode) save(steps []int) {
	ps := m.s.Progress
	if ps == nil || len(steps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	saved := false
	for _, n := range steps {
		if err := ps.SaveProgress(ctx, m.learner, m.lesson.ID, n, m.s.now()); err != nil {
			m.s.log.Error("saving lesson progress", "err", err)
			continue
		}
		saved = true
		m.s.emit(ctx, LearningEvent{Kind: StepCompleted, Learner: m.learner, Lesson: m.lesson.ID, Step: n, Steps: len(m.lesson.Steps), At: m.s.now()})
	}
	if saved && m.play != nil && m.play.Complete() {
		m.s.emit(ctx, LearningEvent{Kind: LessonCompleted, Learner: m.learner, Lesson: m.lesson.ID, Steps: len(m.lesson.Steps), At: m.s.now()})
	}
}

func (s *Server) lessonPage(c echo.Context) error {
	base, _, err := s.findLesson(c.Param("id"))
	if err != nil {
		return err
	}
	// The page reads in the learner's language; the session, the goals
	// and the progress are the same in every language (the checker holds
	// translations to it).
	course, probs := s.lessons.in(lang(c))
	l, ok := course.Lesson(base.ID)
	if !ok {
		l = base
	}
	learner := s.learnerID(c)
	mode := &lessonMode{s: s, lesson: base, learner: learner}
	sess := s.newSession(mode)
	v := ui.LessonView{
		DevVersion: s.lessons.version(),
		ID:         l.ID, Title: l.Title, Objectives: l.Objectives, Intro: s.lessons.markdown(l.Intro),
		Viz: vizView(sess.console.Engine()), Problems: probs,
		Meta: shareMeta(c, "/lessons/"+url.PathEscape(l.ID), l.Summary, nil),
	}
	if pl := lang(c); pl != locale.Default && !strings.HasPrefix(l.File, pl+"/") {
		v.TextLang = locale.Default // not translated yet: served in English
		v.Meta.Lang = locale.Default
	}
	if mode.err != nil {
		v.Error = "This lesson's start state could not be built: " + mode.err.Error()
	}
	done := map[int]bool{}
	for _, n := range s.progress(c, learner)[l.ID] {
		done[n] = true
	}
	goals := s.lessons.goals(base)
	for i, step := range l.Steps {
		sv := ui.StepView{Title: step.Title, Kind: step.Kind, Narrative: s.lessons.markdown(step.Narrative), Hints: step.Hints, Done: done[i], Par: step.Par}
		for _, a := range step.Solution {
			sv.Solution = append(sv.Solution, ui.SolutionView{Command: a.Command, File: a.File, Content: a.Content, Delete: a.Delete})
		}
		if step.Kind == lessons.Predict {
			for _, c := range step.ShownChoices() {
				sv.Choices = append(sv.Choices, ui.QuizEntry{ID: step.ChoiceID(c), Text: step.Choices[c].Text})
			}
		}
		if g, ok := goals[i]; ok {
			sv.Goal = &g
		}
		replay, err := json.Marshal(replayMessages(step.Solution))
		if err != nil {
			return fmt.Errorf("encoding the solution of %s step %d: %w", l.ID, i+1, err)
		}
		sv.Replay = string(replay)
		v.Steps = append(v.Steps, sv)
	}
	for i, other := range course.Lessons {
		if other.ID == l.ID && i+1 < len(course.Lessons) {
			v.NextID, v.NextTitle = course.Lessons[i+1].ID, course.Lessons[i+1].Title
		}
	}
	for v.Current < len(l.Steps) && done[v.Current] {
		v.Current++
	}
	v.Complete = v.Current == len(l.Steps)
	v.WS = url.Values{"lesson": {l.ID}}.Encode()
	if l.Quiz != "" {
		if quiz, ok := s.quizzesIn(c).Quiz(l.Quiz); ok {
			v.Quiz = s.quizView(c.Request().Context(), quiz, learner, "lesson")
			v.Quiz.Assets, v.Quiz.Lesson = true, l.ID
		} else {
			v.QuizMissing = l.Quiz
		}
	}
	return s.render(c, http.StatusOK, ui.Lesson(v))
}

// goals are the goal pictures of a lesson's challenge steps, by step: the
// state the step's solution reaches from where the step begins, drawn by
// the visualizer. They are made once per loaded lesson.
func (b *lessonBook) goals(l *lessons.Lesson) map[int]ui.VizView {
	b.mu.Lock()
	defer b.mu.Unlock()
	if g, ok := b.goalViews[l]; ok {
		return g
	}
	out := map[int]ui.VizView{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*b.s.commandTime())
	defer cancel()
	eng := engine.New(engine.Config{Seed: 1, Library: b.s.Library})
	p, err := lessons.NewPlay(ctx, l, docker.NewConsole(eng, sim.Limits{}))
	if err != nil {
		return out // the page says the start state failed
	}
	for i, st := range l.Steps {
		for _, a := range st.Solution {
			p.Do(ctx, a)
		}
		if st.Kind == lessons.Challenge {
			out[i] = vizView(eng)
		}
	}
	if b.goalViews == nil {
		b.goalViews = map[*lessons.Lesson]map[int]ui.VizView{}
	}
	b.goalViews[l] = out
	return out
}

// replayMessages are the websocket messages that perform a solution, as
// the page sends them for "reset step".
func replayMessages(sol []lessons.Action) []clientMsg {
	out := make([]clientMsg, 0, len(sol))
	for _, a := range sol {
		switch {
		case a.Command != "":
			out = append(out, clientMsg{Type: "cmd", Line: a.Command})
		case a.Delete:
			out = append(out, clientMsg{Type: "rmfile", Path: a.File})
		default:
			// Content is sent even when empty: an empty file is a file.
			out = append(out, clientMsg{Type: "file", Path: a.File, Content: a.Content})
		}
	}
	return out
}

// markdownPolicy is what lesson Markdown may produce: user-generated
// content rules, plus the language class of fenced code, which marks the
// runnable ```console blocks that get type-into-console buttons.
func markdownPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-z0-9-]+$`)).OnElements("code")
	return p
}

// markdown turns lesson Markdown into HTML and sanitizes it: lesson files
// are content, never trusted markup.
func (b *lessonBook) markdown(md string) string {
	var buf bytes.Buffer
	if err := goldmark.Convert([]byte(md), &buf); err != nil {
		return ""
	}
	return b.policy.Sanitize(buf.String())
}
