// Package xapi sends what learners achieve to a learning record store
// (LRS) as xAPI 1.0.3 statements: each answered question ("answered"),
// each completed lesson step and each completed lesson ("completed").
//
// The Sender is a web.EventSink. It turns each learning event into a
// statement and stores it in the outbox of the server's database
// (web.OutboxStore) before anything is sent, so no statement is lost when
// the LRS is down or the server restarts; Run sends the outbox in
// batches, retrying with backoff. Every statement has an id derived from
// what it says, so sending it twice (after a lost reply, or by two nodes
// when a lease ran out) is the same as sending it once: an LRS keeps one
// statement per id.
package xapi

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/layerlab/layerlab/web"
)

// The verbs and activity types statements use, from ADL's vocabulary.
const (
	VerbAnswered  = "http://adlnet.gov/expapi/verbs/answered"
	VerbCompleted = "http://adlnet.gov/expapi/verbs/completed"

	typeQuestion = "http://adlnet.gov/expapi/activities/question"
	typeLesson   = "http://adlnet.gov/expapi/activities/lesson"
	typeStep     = "http://adlnet.gov/expapi/activities/interaction"
	typeQuiz     = "http://adlnet.gov/expapi/activities/assessment"
)

// Statement is an xAPI statement, with the properties layerlab sends.
type Statement struct {
	ID        string   `json:"id"`
	Actor     Agent    `json:"actor"`
	Verb      Verb     `json:"verb"`
	Object    Activity `json:"object"`
	Result    *Result  `json:"result,omitempty"`
	Context   *Context `json:"context,omitempty"`
	Timestamp string   `json:"timestamp"`
}

// Agent names a learner by an account on this server: its base URL and
// the learner's pseudonym, never the cookie.
type Agent struct {
	ObjectType string  `json:"objectType"`
	Account    Account `json:"account"`
}

// Account is an agent's account on a system.
type Account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Verb is what the learner did.
type Verb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

// Activity is a lesson, a lesson step, a quiz or a question.
type Activity struct {
	ObjectType string              `json:"objectType"`
	ID         string              `json:"id"`
	Definition *ActivityDefinition `json:"definition,omitempty"`
}

// ActivityDefinition says what kind of activity it is.
type ActivityDefinition struct {
	Type string            `json:"type"`
	Name map[string]string `json:"name,omitempty"`
}

// Result is how it went.
type Result struct {
	Success    *bool  `json:"success,omitempty"`
	Completion *bool  `json:"completion,omitempty"`
	Score      *Score `json:"score,omitempty"`
}

// Score is a question's: 1 of 1 when right, 0 of 1 when wrong.
type Score struct {
	Scaled float64 `json:"scaled"`
	Raw    float64 `json:"raw"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Context places the activity: the quiz or lesson it is part of, and
// where an answer was given (extensions Source and Origin).
type Context struct {
	Platform          string             `json:"platform"`
	ContextActivities *ContextActivities `json:"contextActivities,omitempty"`
	Extensions        map[string]string  `json:"extensions,omitempty"`
}

// ContextActivities lists the activities this one is part of.
type ContextActivities struct {
	Parent []Activity `json:"parent,omitempty"`
}

// Extension IRIs, under the server's base URL: where an answer was given
// (lesson, playground or embed) and, for an embed, the origin of the page
// it was embedded in.
const (
	ExtSource = "/xapi/extensions/source"
	ExtOrigin = "/xapi/extensions/origin"
)

// NewStatement is the statement for a learning event; base is the
// server's base URL (web.NormalizeBaseURL), which names its activities
// and is the home page of its learners' accounts.
func NewStatement(base string, e web.LearningEvent) (Statement, error) {
	if e.Pseudonym == "" {
		return Statement{}, fmt.Errorf("a %s event without a learner", e.Kind)
	}
	st := Statement{
		Actor:     Agent{ObjectType: "Agent", Account: Account{HomePage: base, Name: e.Pseudonym}},
		Timestamp: e.At.UTC().Format(time.RFC3339Nano),
		Context:   &Context{Platform: "layerlab"},
	}
	yes := true
	lesson := base + "/lessons/" + url.PathEscape(e.Lesson)
	var salt string
	switch e.Kind {
	case web.Answered:
		quiz := base + "/quizzes/" + url.PathEscape(e.Quiz)
		st.Verb = Verb{ID: VerbAnswered, Display: map[string]string{"en-US": "answered"}}
		st.Object = activity(quiz+"/questions/"+url.PathEscape(e.Question), typeQuestion, e.Quiz+": "+e.Question)
		score := Score{Max: 1}
		if e.Correct {
			score.Scaled, score.Raw = 1, 1
		}
		st.Result = &Result{Success: &e.Correct, Completion: &yes, Score: &score}
		st.Context.ContextActivities = &ContextActivities{Parent: []Activity{activity(quiz, typeQuiz, e.Quiz)}}
		st.Context.Extensions = map[string]string{base + ExtSource: e.Source}
		if e.Origin != "" {
			st.Context.Extensions[base+ExtOrigin] = e.Origin
		}
		// A learner may answer a question many times: each answer is its
		// own statement.
		salt = strconv.FormatInt(e.At.UnixNano(), 10)
	case web.StepCompleted:
		st.Verb = Verb{ID: VerbCompleted, Display: map[string]string{"en-US": "completed"}}
		n := strconv.Itoa(e.Step + 1)
		st.Object = activity(lesson+"/steps/"+n, typeStep, e.Lesson+": step "+n)
		st.Result = &Result{Completion: &yes}
		st.Context.ContextActivities = &ContextActivities{Parent: []Activity{activity(lesson, typeLesson, e.Lesson)}}
	case web.LessonCompleted:
		// A lesson is complete when every step is, and steps are not
		// scored: its result is completion alone.
		st.Verb = Verb{ID: VerbCompleted, Display: map[string]string{"en-US": "completed"}}
		st.Object = activity(lesson, typeLesson, e.Lesson)
		st.Result = &Result{Completion: &yes}
	default:
		return Statement{}, fmt.Errorf("no statement for a %q event", e.Kind)
	}
	st.ID = nameUUID(base + "\n" + st.Verb.ID + "\n" + st.Object.ID + "\n" + e.Pseudonym + "\n" + salt)
	return st, nil
}

func activity(id, typ, name string) Activity {
	return Activity{ObjectType: "Activity", ID: id, Definition: &ActivityDefinition{Type: typ, Name: map[string]string{"en-US": name}}}
}

// namespace is the UUID statement ids are named under (RFC 9562, 5.5).
var namespace = [16]byte{0x6c, 0x61, 0x79, 0x65, 0x72, 0x6c, 0x61, 0x62, 0x8a, 0x70, 0x49, 0x5e, 0xb1, 0x3c, 0x51, 0x0d}

// nameUUID is the version 5 UUID of name: the same statement always gets
// the same id, so an LRS that has it already keeps one copy.
func nameUUID(name string) string {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Marshal is the statement as JSON.
func (st Statement) Marshal() ([]byte, error) { return json.Marshal(st) }
