package quizzes

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Dealer gives every learner their own order of a question's choices, steps
// and items, under ids that mean nothing without the dealer's key. The order
// depends only on the key, the learner and the question, so a reload shows
// the same order; two learners most likely see different ones. Grading and
// storage keep working on the canonical ids (ChoiceID of the position in the
// file), so stored answers and the instructor's charts are the same for
// every learner.
type Dealer struct {
	key []byte
}

// NewDealer makes a dealer with a secret key.
func NewDealer(key []byte) Dealer { return Dealer{key: slices.Clone(key)} }

// Dealt is one question as dealt to one learner.
type Dealt struct {
	Q      *Question
	Public Public
	// toCanon maps the learner's ids to canonical ones, per kind of entry;
	// fromCanon the other way.
	toCanon   map[string]string
	fromCanon map[string]string
}

// opaque is the learner's id for a canonical entry id.
func (d Dealer) opaque(quiz, learner string, qu *Question, kind, canon string) string {
	m := hmac.New(sha256.New, d.key)
	for _, part := range []string{quiz, qu.ID, learner, kind, canon} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// Deal deals qu of quiz to learner.
func (d Dealer) Deal(quiz string, qu *Question, learner string) Dealt {
	canon := qu.Public()
	dl := Dealt{Q: qu, Public: canon, toCanon: map[string]string{}, fromCanon: map[string]string{}}
	deal := func(kind string, in []PublicEntry) []PublicEntry {
		out := make([]PublicEntry, len(in))
		for i, e := range in {
			id := d.opaque(quiz, learner, qu, kind, e.ID)
			dl.toCanon[kind+id] = e.ID
			dl.fromCanon[kind+e.ID] = id
			out[i] = PublicEntry{ID: id, Text: e.Text}
		}
		// Sorting by the keyed ids is a shuffle no one can redo without
		// the key.
		sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
		return out
	}
	if qu.Type != TrueFalse {
		dl.Public.Choices = deal("c", canon.Choices)
	}
	dl.Public.Items = deal("i", canon.Items)
	dl.Public.Steps = deal("s", canon.Steps)
	if n := len(dl.Public.Steps); n > 1 {
		// An ordering question must not start out solved.
		right := true
		for pos, e := range dl.Public.Steps {
			if qu.rightPosition(dl.toCanon["s"+e.ID]) != pos {
				right = false
			}
		}
		if right {
			dl.Public.Steps = append(dl.Public.Steps[1:], dl.Public.Steps[0])
		}
	}
	return dl
}

// rightPosition is where the step with canonical id belongs, -1 if none.
func (qu *Question) rightPosition(canon string) int {
	order := qu.StepOrder()
	if d, ok := choiceIndex(canon, len(order)); ok {
		return order[d]
	}
	return -1
}

// kindOf is which entries a question's answer names: choices, steps or
// items; "" when it names none (true/false, text).
func (qu *Question) kindOf() string {
	switch qu.Type {
	case Single, Multiple:
		return "c"
	case Predict:
		if len(qu.Choices) > 0 {
			return "c"
		}
	case Ordering:
		return "s"
	case Matching:
		return "i"
	}
	return ""
}

// Canonical turns an answer in the learner's ids into the canonical answer
// Grade takes. An id the learner was not dealt is a bad answer; a shape that
// does not fit is left for Grade to report.
func (dl Dealt) Canonical(raw json.RawMessage) (json.RawMessage, error) {
	return dl.translate(raw, dl.toCanon, true)
}

// Learner turns a canonical answer (a stored one, or the solution) into the
// learner's ids.
func (dl Dealt) Learner(canonical json.RawMessage) json.RawMessage {
	out, err := dl.translate(canonical, dl.fromCanon, false)
	if err != nil {
		return nil
	}
	return out
}

func (dl Dealt) translate(raw json.RawMessage, m map[string]string, strict bool) (json.RawMessage, error) {
	kind := dl.Q.kindOf()
	if t := bytes.TrimSpace(raw); kind == "" || len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return raw, nil
	}
	one := func(id string) (string, error) {
		if v, ok := m[kind+id]; ok {
			return v, nil
		}
		if strict {
			return "", badAnswer("question %q has no choice %q", dl.Q.ID, id)
		}
		return id, nil
	}
	switch dl.Q.Type {
	case Single, Predict:
		var id string
		if json.Unmarshal(raw, &id) != nil {
			return raw, nil // Grade names the shape
		}
		v, err := one(id)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	case Multiple, Ordering:
		var ids []string
		if json.Unmarshal(raw, &ids) != nil {
			return raw, nil
		}
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			v, err := one(id)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return json.Marshal(out)
	case Matching:
		var in map[string]string
		if json.Unmarshal(raw, &in) != nil {
			return raw, nil
		}
		out := make(map[string]string, len(in))
		for id, cat := range in {
			v, err := one(id)
			if err != nil {
				return nil, err
			}
			out[v] = cat
		}
		return json.Marshal(out)
	}
	return raw, nil
}

// Solution is the right answer in canonical form, for "show the answer".
// For a predict question it needs Prepare first.
func (qu *Question) Solution() json.RawMessage {
	var v any
	switch qu.Type {
	case Single:
		for i, c := range qu.Choices {
			if c.Correct {
				v = ChoiceID(i)
			}
		}
	case Multiple:
		ids := []string{}
		for i, c := range qu.Choices {
			if c.Correct {
				ids = append(ids, ChoiceID(i))
			}
		}
		v = ids
	case TrueFalse:
		v = *qu.Answer
	case Ordering:
		order := qu.StepOrder()
		ids := make([]string, len(order))
		for d, pos := range order {
			ids[pos] = ChoiceID(d)
		}
		v = ids
	case Matching:
		m := map[string]string{}
		for i, it := range qu.Items {
			m[ChoiceID(i)] = it.Category
		}
		v = m
	case Short:
		v = qu.Accept[0]
	case Predict:
		if len(qu.Choices) == 0 {
			v = qu.expected
			break
		}
		for i, c := range qu.Choices {
			if qu.sameOutput(c.Text, qu.expected) {
				v = ChoiceID(i)
			}
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// AnswerText is the right answer in words, shown after a wrong try. For a
// predict question it needs Prepare first.
func (qu *Question) AnswerText() string {
	var lines []string
	switch qu.Type {
	case Single, Multiple:
		for _, c := range qu.Choices {
			if c.Correct {
				lines = append(lines, c.Text)
			}
		}
	case TrueFalse:
		if *qu.Answer {
			return "True"
		}
		return "False"
	case Ordering:
		for i, s := range qu.Steps {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, s))
		}
	case Matching:
		for _, it := range qu.Items {
			lines = append(lines, it.Text+" → "+it.Category)
		}
	case Short:
		return qu.Accept[0]
	case Predict:
		return strings.TrimRight(qu.expected, "\n")
	}
	return strings.Join(lines, "\n")
}
