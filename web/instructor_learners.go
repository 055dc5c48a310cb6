package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/web/ui"
)

// What an instructor may see of one learner, and what it may cost.
//
// A learner's own page and the replay of their sessions are reached
// through a class: only the class's owner and the instructors the owner
// invited see its members, and a learner is named by their pseudonym,
// which is looked up among the class's members only. The dashboard of
// every learner (no class chosen) shows counts, never one learner: an
// instructor sees no learner who is not in one of their classes.
const (
	// maxLearnerAnswers is how many of a learner's answers their page
	// lists: the most recent ones.
	maxLearnerAnswers = 200
	// maxReplaySteps is how many entries of a session's log a replay steps
	// through; a longer log is replayed up to there, and the page says so.
	maxReplaySteps = 500
	// defaultReplayTime bounds the work of one replay step: the rebuild of
	// the session up to that step stops when it runs out.
	defaultReplayTime = 5 * time.Second
	// inviteLifetime is how long an invite link for instructors works.
	inviteLifetime = 7 * 24 * time.Hour
	maxEmail       = 254
)

// errReplayTooLong is a replay step whose rebuild used all its time.
var errReplayTooLong = errors.New("rebuilding this step took longer than a replay may take")

func (s *Server) learnerRoutes(auth *echo.Group, is InstructorStore) {
	auth.GET("/classes/:class/learners/:learner", func(c echo.Context) error { return s.learnerPage(c, is) })
	auth.GET("/classes/:class/learners/:learner/replay", func(c echo.Context) error { return s.replayPage(c, is) })
	auth.POST("/classes/:class/instructors", func(c echo.Context) error { return s.inviteInstructor(c, is) })
	auth.POST("/classes/:class/invite-link", func(c echo.Context) error { return s.makeInviteLink(c, is) })
	auth.GET("/invite/:token", func(c echo.Context) error { return s.invitePage(c) })
	auth.POST("/invite/:token", func(c echo.Context) error { return s.acceptInvite(c, is) })
}

// myClass is the class the path names, which must be one the instructor
// owns or was invited to.
func myClass(c echo.Context, is InstructorStore) (Class, error) {
	email, _ := c.Get("instructor").(string)
	classes, err := is.Classes(c.Request().Context(), email)
	if err != nil {
		return Class{}, err
	}
	raw := c.Param("class")
	if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
		for _, cl := range classes {
			if cl.ID == id {
				return cl, nil
			}
		}
	}
	return Class{}, fmt.Errorf("%w: you have no class %q", errNotFound, shorten(raw, 40))
}

// ownsClass says whether the logged-in instructor made the class.
func ownsClass(c echo.Context, cl Class) bool {
	email, _ := c.Get("instructor").(string)
	return strings.EqualFold(strings.TrimSpace(email), cl.Owner)
}

// classMember finds the member of cl the path names by pseudonym.
func (s *Server) classMember(c echo.Context, is InstructorStore, cl Class) (ClassMember, error) {
	p := c.Param("learner")
	if len(p) == 14 && strings.HasPrefix(p, "l-") {
		members, err := is.ClassMembers(c.Request().Context(), cl.ID)
		if err != nil {
			return ClassMember{}, err
		}
		for _, m := range members {
			if s.pseudonym(m.Learner) == p {
				return m, nil
			}
		}
	}
	return ClassMember{}, fmt.Errorf("%w: the class %s has no learner %q", errNotFound, cl.Name, shorten(p, 20))
}

func learnerURL(class int64, pseudonym string) string {
	return "/instructor/classes/" + strconv.FormatInt(class, 10) + "/learners/" + pseudonym
}

func replayURL(class int64, pseudonym, mode string, step int) string {
	return learnerURL(class, pseudonym) + "/replay?" + url.Values{"session": {mode}, "step": {strconv.Itoa(step)}}.Encode()
}

// sessionTitle names a session's mode key for people.
func sessionTitle(mode string, course *lessons.Course) string {
	if mode == "play" {
		return "Playground"
	}
	id, _ := strings.CutPrefix(mode, "lesson:")
	if course != nil {
		if l, ok := course.Lesson(id); ok {
			return "Lesson “" + l.Title + "”"
		}
	}
	return "Lesson " + id
}

func (s *Server) learnerPage(c echo.Context, is InstructorStore) error {
	ctx := c.Request().Context()
	cl, err := myClass(c, is)
	if err != nil {
		return err
	}
	m, err := s.classMember(c, is, cl)
	if err != nil {
		return err
	}
	p := s.pseudonym(m.Learner)
	v := ui.LearnerView{
		ClassID: strconv.FormatInt(cl.ID, 10), Class: cl.Name, Pseudonym: p, Name: m.Name,
		Joined: m.Joined.UTC().Format("2 Jan 2006 15:04 MST"),
	}
	course, _ := s.lessons.get()
	var progress map[string][]int
	if s.Progress != nil {
		if progress, err = s.Progress.Progress(ctx, m.Learner); err != nil {
			return err
		}
	}
	sessions, err := s.Store.Sessions(ctx, m.Learner)
	if err != nil {
		return err
	}
	updated := map[string]time.Time{}
	for _, si := range sessions {
		updated[si.Mode] = si.Updated
	}
	if at, ok := updated["play"]; ok {
		v.Playground = &ui.SessionRow{Title: "Playground", Updated: at.UTC().Format("2 Jan 15:04 MST"), Replay: replayURL(cl.ID, p, "play", 0)}
	}
	seen := map[string]bool{}
	if course != nil {
		for _, l := range course.Lessons {
			seen[l.ID] = true
			done := progress[l.ID]
			at, started := updated["lesson:"+l.ID]
			if len(done) == 0 && !started {
				continue
			}
			row := ui.LearnerLessonRow{ID: l.ID, Title: l.Title, Done: len(done), Steps: len(l.Steps)}
			row.Complete = row.Done >= row.Steps
			if started {
				row.Updated = at.UTC().Format("2 Jan 15:04 MST")
				row.Replay = replayURL(cl.ID, p, "lesson:"+l.ID, 0)
			}
			v.Lessons = append(v.Lessons, row)
		}
	}
	var gone []string
	for id := range progress {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		v.Lessons = append(v.Lessons, ui.LearnerLessonRow{ID: id, Title: id + " (no longer in the course)", Done: len(progress[id]), Steps: 0})
	}
	answers, err := s.Answers.LearnerAnswers(ctx, m.Learner, maxLearnerAnswers)
	if err != nil {
		return err
	}
	v.AnswersCut = len(answers) == maxLearnerAnswers
	for i := len(answers) - 1; i >= 0; i-- { // newest first
		a := answers[i]
		row := ui.LearnerAnswerRow{
			Time: a.Time.UTC().Format("2 Jan 15:04:05"), Quiz: a.Quiz, Question: a.Question,
			Answer: answerText(s.Quizzes, a.Quiz, a.Question, a.Answer), Correct: a.Correct,
			Source: sourceName(a.Source, a.Lesson, course),
		}
		if a.Source == "embed" && a.Origin != "" {
			row.Source += " (" + a.Origin + ")"
		}
		if qu := findQuestion(s.Quizzes, a.Quiz, a.Question); qu != nil {
			row.Prompt = qu.Prompt
		}
		v.Answers = append(v.Answers, row)
	}
	return s.render(c, http.StatusOK, ui.LearnerPage(v))
}

// replayMode is the mode a stored session's key was made in, set up for a
// replay: a lesson's mode names no learner, so nothing it does is stored.
func (s *Server) replayMode(mode string) (sessionMode, error) {
	if mode == "play" {
		return playground{}, nil
	}
	if id, ok := strings.CutPrefix(mode, "lesson:"); ok {
		course, _ := s.lessons.get()
		if course != nil {
			if l, ok := course.Lesson(id); ok {
				return &lessonMode{s: s, lesson: l}, nil
			}
		}
		return nil, fmt.Errorf("%w: the lesson %q is no longer in the course, so its session cannot be replayed", errNotFound, shorten(id, 60))
	}
	return nil, fmt.Errorf("%w: no session %q", errNotFound, shorten(mode, 60))
}

func (s *Server) replayTime() time.Duration {
	if s.replayLimit > 0 {
		return s.replayLimit
	}
	return defaultReplayTime
}

// replayFrame is what one step of a replay shows.
type replayFrame struct {
	viz       ui.VizView
	output    string
	narration []string
	lesson    *lessonReport
}

// replayStep rebuilds a session from its seed and the first step entries
// of its log, the last of them live so its output and events are seen. It
// waits for the heavy gate, like a learner's replay, and gives up when the
// replay time runs out. The session names no learner: nothing is stored.
func (s *Server) replayStep(ctx context.Context, mode sessionMode, seed uint64, log []LogEntry, step int) (replayFrame, error) {
	wait, cancel := context.WithTimeout(ctx, slotWait)
	err := s.pools().heavy.enter(wait)
	cancel()
	if err != nil {
		return replayFrame{}, err
	}
	defer s.pools().heavy.leave()
	ctx, cancel = context.WithTimeout(ctx, s.replayTime())
	defer cancel()
	sess := &session{srv: s, mode: mode, key: modeKey(mode), seed: seed}
	if step > 0 {
		sess.log = log[:step-1]
	}
	if err := sess.rebuildWithin(ctx); err != nil {
		return replayFrame{}, errReplayTooLong
	}
	var f replayFrame
	if step > 0 {
		if ctx.Err() != nil {
			return replayFrame{}, errReplayTooLong
		}
		sess.events = sess.events[:0]
		out := sess.apply(ctx, log[step-1])
		sess.log = log[:step]
		res := sess.result(out)
		f.output = out
		for _, n := range res.narration {
			f.narration = append(f.narration, n.text)
		}
	}
	if lm, ok := mode.(*lessonMode); ok && lm.play != nil {
		// Not synced yet, so report works the steps done out from the log
		// (catchUp) and stores nothing.
		if rep, ok := lm.report(sess).(lessonReport); ok {
			f.lesson = &rep
		}
	}
	f.viz = vizView(sess.console.Engine())
	return f, nil
}

func (s *Server) replayPage(c echo.Context, is InstructorStore) error {
	ctx := c.Request().Context()
	cl, err := myClass(c, is)
	if err != nil {
		return err
	}
	m, err := s.classMember(c, is, cl)
	if err != nil {
		return err
	}
	modeKey := c.QueryParam("session")
	mode, err := s.replayMode(modeKey)
	if err != nil {
		return err
	}
	seed, log, found, err := s.Store.LoadSession(ctx, m.Learner, modeKey)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: this learner has no such session", errNotFound)
	}
	limit := min(len(log), maxReplaySteps)
	step := 0
	if raw := c.QueryParam("step"); raw != "" {
		if step, err = strconv.Atoi(raw); err != nil || step < 0 {
			return fmt.Errorf("%w: step must be a whole number from 0 to %d", errBadRequest, limit)
		}
		if step > limit {
			if step <= len(log) {
				return fmt.Errorf("%w: a replay shows the first %d of a session's steps; this session has %d", errBadRequest, maxReplaySteps, len(log))
			}
			return fmt.Errorf("%w: this session has %d steps; step %d is not one of them", errBadRequest, len(log), step)
		}
	}
	course, _ := s.lessons.get()
	p := s.pseudonym(m.Learner)
	v := ui.ReplayView{
		ClassID: strconv.FormatInt(cl.ID, 10), Class: cl.Name, Pseudonym: p, Name: m.Name,
		LearnerURL: learnerURL(cl.ID, p), Session: sessionTitle(modeKey, course),
		Step: step, Total: len(log), Limit: limit,
	}
	at := func(n int) string { return replayURL(cl.ID, p, modeKey, n) }
	if step > 0 {
		v.First, v.Prev = at(0), at(step-1)
	}
	if step < limit {
		v.Next, v.Last = at(step+1), at(limit)
	}
	for i, e := range log[:limit] {
		v.Timeline = append(v.Timeline, ui.ReplayEntry{N: i + 1, Text: shorten(describe(e), 120), URL: at(i + 1), Current: i+1 == step})
	}
	if step > 0 {
		e := log[step-1]
		v.Kind, v.Command = e.Kind, describe(e)
		if e.Kind == "file" {
			v.File = string(e.Data)
			if len(e.Data) > maxFileBytes || !utf8.Valid(e.Data) {
				v.File = fmt.Sprintf("(%d bytes that are not shown)", len(e.Data))
			}
		}
	}
	f, err := s.replayStep(ctx, mode, seed, log, step)
	if errors.Is(err, errReplayTooLong) {
		v.Problem = fmt.Sprintf("Rebuilding step %d took longer than the %s a replay may take, so the picture is not shown. Earlier steps may still replay.", step, s.replayTime())
		return s.render(c, http.StatusOK, ui.ReplayPage(v))
	}
	if err != nil {
		return err
	}
	v.Viz, v.Output, v.Narration = f.viz, f.output, f.narration
	if r := f.lesson; r != nil {
		if r.Complete {
			v.LessonStep = "Lesson complete: every step done."
		} else if l, ok := course.Lesson(r.Lesson); ok && r.Current < len(l.Steps) {
			done := 0
			for _, d := range r.Done {
				if d {
					done++
				}
			}
			v.LessonStep = fmt.Sprintf("Working on step %d of %d: %s (%d done)", r.Current+1, r.Steps, l.Steps[r.Current].Title, done)
		}
	}
	return s.render(c, http.StatusOK, ui.ReplayPage(v))
}

// inviteInstructor: the class's owner lets another instructor account,
// named by its email, see the class.
func (s *Server) inviteInstructor(c echo.Context, is InstructorStore) error {
	cl, err := myClass(c, is)
	if err != nil {
		return err
	}
	if !ownsClass(c, cl) {
		return echo.NewHTTPError(http.StatusForbidden, "only the instructor who made the class invites others to it")
	}
	email := strings.TrimSpace(c.FormValue("email"))
	if email == "" || len(email) > maxEmail || !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n") {
		return fmt.Errorf("%w: give the email of an instructor account", errBadRequest)
	}
	if strings.EqualFold(email, cl.Owner) {
		return fmt.Errorf("%w: you made this class; it is yours already", errBadRequest)
	}
	found, err := is.InviteInstructor(c.Request().Context(), cl.ID, email, s.now())
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: no instructor account has the email %s; the server's operator makes accounts (layerlab instructor add), or send an invite link", errBadRequest, email)
	}
	return c.Redirect(http.StatusSeeOther, "/instructor?class="+strconv.FormatInt(cl.ID, 10))
}

// makeInviteLink gives the class's owner a new invite link for
// instructors (the old one stops working). Only its hash is stored, so
// the link is shown once, now.
func (s *Server) makeInviteLink(c echo.Context, is InstructorStore) error {
	cl, err := myClass(c, is)
	if err != nil {
		return err
	}
	if !ownsClass(c, cl) {
		return echo.NewHTTPError(http.StatusForbidden, "only the instructor who made the class invites others to it")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("making an invite link: %w", err)
	}
	tok := hex.EncodeToString(b)
	expires := s.now().Add(inviteLifetime)
	if err := is.SetClassInvite(c.Request().Context(), cl.ID, hashToken(tok), expires); err != nil {
		return err
	}
	link := c.Scheme() + "://" + c.Request().Host + "/instructor/invite/" + tok
	return s.render(c, http.StatusOK, ui.InviteLink(ui.InviteLinkView{
		ClassID: strconv.FormatInt(cl.ID, 10), Class: cl.Name, Link: link, Expires: expires.UTC().Format("2 Jan 2006 15:04 MST"),
	}))
}

func validInviteToken(tok string) bool {
	if len(tok) != 64 {
		return false
	}
	_, err := hex.DecodeString(tok)
	return err == nil
}

// invitePage asks the logged-in instructor to accept an invite link; only
// the form's POST changes anything.
func (s *Server) invitePage(c echo.Context) error {
	tok := c.Param("token")
	if !validInviteToken(tok) {
		return fmt.Errorf("%w: this is not an invite link", errNotFound)
	}
	email, _ := c.Get("instructor").(string)
	csrf, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return s.render(c, http.StatusOK, ui.AcceptInvite(ui.AcceptInviteView{Token: tok, CSRF: csrf, Email: email}))
}

func (s *Server) acceptInvite(c echo.Context, is InstructorStore) error {
	tok := c.Param("token")
	if !validInviteToken(tok) {
		return fmt.Errorf("%w: this is not an invite link", errNotFound)
	}
	email, _ := c.Get("instructor").(string)
	cl, found, err := is.AcceptClassInvite(c.Request().Context(), hashToken(tok), email, s.now())
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: this invite link has expired or was replaced by a newer one; ask the class's owner for a new link", errNotFound)
	}
	return c.Redirect(http.StatusSeeOther, "/instructor?class="+strconv.FormatInt(cl.ID, 10))
}
