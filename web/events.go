package web

import (
	"context"
	"time"
)

// EventKind names what a learner achieved.
type EventKind string

const (
	// Answered: a quiz answer was stored (once per client id).
	Answered EventKind = "answered"
	// StepCompleted: a lesson step was completed for the first time.
	StepCompleted EventKind = "step-completed"
	// LessonCompleted: the last missing step of a lesson was completed.
	LessonCompleted EventKind = "lesson-completed"
)

// LearningEvent is one achievement that systems outside layerlab may want
// to hear of: a learning record store, or the LMS a lesson was launched
// from. Fields that do not apply to the kind are zero.
type LearningEvent struct {
	Kind    EventKind
	Learner string
	// Pseudonym names the learner outside the server (l-…, as in the
	// CSV export); emit fills it in. Sinks send it, never Learner, which
	// is the learner's cookie.
	Pseudonym string
	// Lesson and Step (0-based) of a step or lesson event; Steps is how
	// many steps the lesson has. An answer given on a lesson page names
	// its Lesson too.
	Lesson string
	Step   int
	Steps  int
	// Quiz, Question and Correct of an answer; Source and Origin say
	// where it was given (lesson, playground, or embed with its origin).
	Quiz     string
	Question string
	Correct  bool
	Source   string
	Origin   string
	At       time.Time
}

// EventSink hears learning events. LearningEvent is called on the request
// or console goroutine after the fact is stored, so it must return at once:
// a sink that talks to another system queues the event and reports its own
// failures. Deps.Events lists the sinks; none by default.
type EventSink interface {
	LearningEvent(ctx context.Context, e LearningEvent)
}

func (s *Server) emit(ctx context.Context, e LearningEvent) {
	if len(s.Events) == 0 {
		return
	}
	e.Pseudonym = s.pseudonym(e.Learner)
	for _, sink := range s.Events {
		sink.LearningEvent(ctx, e)
	}
}
