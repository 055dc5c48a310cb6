package quizzes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// GIFT is Moodle's plain-text quiz format. ParseGIFT and WriteGIFT map it
// onto quiz files:
//
//	$CATEGORY: quiz-id          the quiz id ("// title:" and "// summary:" comments carry the rest)
//	::Title:: prompt {…}        one question; its id is the title made a slug,
//	                            or the "// id: question-id" comment right above it
//	{=right#fb ~wrong#fb}       single choice, per-choice feedback after '#'
//	{~%50%a ~%50%b ~%-100%c}    multiple choice: positive weights are the right choices
//	{T#wrong fb#right fb}       true/false ({TRUE}, {F}, {FALSE} too)
//	{=answer =other =%0%*#fb}   short answer; "=%0%*#…" is the feedback for any other answer
//	{=item -> category …}       matching: the categories are the right-hand sides
//	{… ####explanation}         the explanation, Moodle's general feedback
//
// Ordering and predict questions have no GIFT form and are left out of an
// export, with a note. Numerical and essay questions, and descriptions,
// have no quiz-file form and are left out of an import, with a note and
// their line.

// Note is something an import or export left out, with its line.
type Note struct {
	Line int
	Text string
}

func (n Note) String() string { return fmt.Sprintf("line %d: %s", n.Line, n.Text) }

// ParseGIFT reads a GIFT file into one quiz. Syntax errors are reported as
// name:line; constructs without a quiz-file form are skipped and returned
// as notes. defaultID names the quiz when the file has no $CATEGORY.
func ParseGIFT(name, defaultID string, src []byte) (*Quiz, []Note, error) {
	if !utf8.Valid(src) {
		return nil, nil, fmt.Errorf("%s: not UTF-8 text; GIFT files are UTF-8", name)
	}
	q := &Quiz{ID: defaultID, File: name}
	var notes []Note
	var errs []error
	var block strings.Builder
	start, depth := 0, 0
	nextID := "" // from an "// id:" comment, for the question that follows
	flush := func() {
		text := strings.TrimSpace(block.String())
		block.Reset()
		if text == "" {
			return
		}
		qu, note, err := parseGIFTQuestion(text, start)
		if err == nil && note == "" && nextID != "" {
			if qu.Title == "" && qu.ID != nextID {
				qu.Title = qu.ID // the title was a slug already
			}
			qu.ID = nextID
		}
		nextID = ""
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s:%w", name, err))
		case note != "":
			notes = append(notes, Note{start, note})
		default:
			qu.Line = start
			q.Questions = append(q.Questions, *qu)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if depth == 0 && strings.HasPrefix(trimmed, "//") {
			c := strings.TrimSpace(strings.TrimPrefix(trimmed, "//"))
			if v, ok := strings.CutPrefix(c, "title:"); ok {
				q.Title = oneLine(v)
			} else if v, ok := strings.CutPrefix(c, "summary:"); ok {
				q.Summary = oneLine(v)
			} else if v, ok := strings.CutPrefix(c, "id:"); ok && block.Len() == 0 {
				nextID = strings.TrimSpace(v)
			}
			continue
		}
		if depth == 0 && strings.HasPrefix(trimmed, "$CATEGORY:") {
			flush()
			cat := strings.TrimSpace(strings.TrimPrefix(trimmed, "$CATEGORY:"))
			if i := strings.LastIndex(cat, "/"); i >= 0 {
				cat = cat[i+1:]
			}
			q.ID = slug(cat)
			continue
		}
		if depth == 0 && trimmed == "" {
			flush()
			continue
		}
		if block.Len() == 0 {
			start = n
		} else {
			block.WriteByte('\n')
		}
		block.WriteString(line)
		depth = braceDepth(line, depth)
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, notes, fmt.Errorf("%s: reading: %w", name, err)
	}
	if depth != 0 {
		errs = append(errs, fmt.Errorf("%s:%d: a '{' is never closed", name, start))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, notes, err
	}
	if q.Title == "" {
		q.Title = q.ID
	}
	if err := q.check(); err != nil {
		return nil, notes, err
	}
	return q, notes, nil
}

// braceDepth follows unescaped braces through one line.
func braceDepth(line string, depth int) int {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
		}
	}
	return depth
}

// slug turns a title into an id: lower-case letters, digits and dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 64 {
		out = strings.TrimSuffix(out[:64], "-")
	}
	return out
}

// indexUnescaped finds the first unescaped c in s.
func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

// unescape undoes GIFT's escapes: \~ \= \# \{ \} \: \\ and \n.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return strings.TrimSpace(b.String())
}

// escape writes text so that GIFT reads it back as it is: its special
// characters, a '%' that would start a weight, and the "->" of matching
// answers are escaped.
func escape(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '%' && i == 0, r == '>' && i > 0 && s[i-1] == '-':
			b.WriteByte('\\')
			b.WriteRune(r)
			continue
		}
		switch r {
		case '~', '=', '#', '{', '}', ':', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func parseGIFTQuestion(text string, line int) (*Question, string, error) {
	qu := &Question{}
	if strings.HasPrefix(text, "::") {
		end := strings.Index(text[2:], "::")
		if end < 0 {
			return nil, "", fmt.Errorf("%d: the title that starts with '::' is never closed", line)
		}
		title := unescape(text[2 : 2+end])
		qu.ID = slug(title)
		if title != qu.ID {
			qu.Title = title
		}
		text = text[4+end:]
	}
	open := indexUnescaped(text, '{')
	if open < 0 {
		return nil, "a description (text without answers) has no quiz-file form; skipped", nil
	}
	rest := text[open+1:]
	close := indexUnescaped(rest, '}')
	if close < 0 {
		return nil, "", fmt.Errorf("%d: a '{' is never closed", line)
	}
	body, after := rest[:close], strings.TrimSpace(rest[close+1:])
	if strings.Contains(after, "{") {
		return nil, "", fmt.Errorf("%d: a question has more than one answer block", line)
	}
	prompt := strings.TrimSpace(text[:open])
	for _, f := range []string{"[plain]", "[markdown]", "[html]", "[moodle]"} {
		prompt = strings.TrimPrefix(prompt, f)
	}
	prompt = unescape(prompt)
	if after != "" {
		prompt += " _____ " + unescape(after)
	}
	qu.Prompt = strings.TrimSpace(prompt)
	if qu.ID == "" {
		qu.ID = slug(qu.Prompt)
	}
	body = strings.TrimSpace(body)
	if i := strings.Index(body, "####"); i >= 0 {
		qu.Explanation = unescape(body[i+4:])
		body = strings.TrimSpace(body[:i])
	}
	switch {
	case body == "":
		return nil, "an essay question has no quiz-file form; skipped", nil
	case strings.HasPrefix(body, "#"):
		return nil, "a numerical question has no quiz-file form; skipped", nil
	}
	// true/false
	head, fb := body, ""
	if h := indexUnescaped(body, '#'); h >= 0 {
		head, fb = body[:h], body[h+1:]
	}
	switch strings.TrimSpace(head) {
	case "T", "TRUE", "F", "FALSE":
		v := strings.HasPrefix(strings.TrimSpace(head), "T")
		qu.Type, qu.Answer = TrueFalse, &v
		if fb != "" {
			if h := indexUnescaped(fb, '#'); h >= 0 {
				fb = fb[:h]
			}
			qu.Feedback = unescape(fb)
		}
		return qu, "", nil
	}
	answers, err := splitAnswers(body, line)
	if err != nil {
		return nil, "", err
	}
	matching, tildes, positive := 0, 0, 0
	for _, a := range answers {
		if strings.Contains(a.raw, "->") && a.mark == '=' {
			matching++
		}
		if a.mark == '~' {
			tildes++
		}
		if a.weight > 0 {
			positive++
		}
	}
	switch {
	case matching > 0:
		if matching != len(answers) {
			return nil, "", fmt.Errorf("%d: a matching question has an answer without '->'", line)
		}
		qu.Type = Matching
		for _, a := range answers {
			l, r, _ := strings.Cut(a.raw, "->")
			item := Item{Text: unescape(l), Category: unescape(r)}
			if !containsString(qu.Categories, item.Category) {
				qu.Categories = append(qu.Categories, item.Category)
			}
			qu.Items = append(qu.Items, item)
		}
	case tildes == 0:
		qu.Type = Short
		for _, a := range answers {
			if a.text == "*" && a.weight == 0 {
				qu.Feedback = a.feedback
				continue
			}
			qu.Accept = append(qu.Accept, a.text)
		}
	default:
		qu.Type = Single
		if positive > 1 || answers[0].weighted {
			qu.Type = Multiple
		}
		for _, a := range answers {
			qu.Choices = append(qu.Choices, Choice{Text: a.text, Correct: a.weight > 0, Feedback: a.feedback})
		}
	}
	return qu, "", nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type giftAnswer struct {
	mark      byte // '=' or '~'
	raw, text string
	feedback  string
	weight    float64
	weighted  bool
}

// splitAnswers splits an answer block at its unescaped '=' and '~'.
func splitAnswers(body string, line int) ([]giftAnswer, error) {
	var out []giftAnswer
	cur := -1
	starts := []int{}
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '=', '~':
			// "->" in matching never holds = or ~, so every unescaped one
			// starts an answer.
			starts = append(starts, i)
		}
	}
	if len(starts) == 0 || strings.TrimSpace(body[:starts[0]]) != "" {
		return nil, fmt.Errorf("%d: answers must start with '=' or '~', got %q", line, strings.TrimSpace(body))
	}
	for k, s := range starts {
		end := len(body)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		cur = s
		a := giftAnswer{mark: body[cur]}
		part := strings.TrimSpace(body[cur+1 : end])
		if strings.HasPrefix(part, "%") {
			j := strings.Index(part[1:], "%")
			if j < 0 {
				return nil, fmt.Errorf("%d: a weight %q is never closed with '%%'", line, part)
			}
			w, err := strconv.ParseFloat(part[1:1+j], 64)
			if err != nil || w < -100 || w > 100 {
				return nil, fmt.Errorf("%d: bad weight %q", line, part[:j+2])
			}
			a.weight, a.weighted = w, true
			part = strings.TrimSpace(part[j+2:])
		} else if a.mark == '=' {
			a.weight = 100
		}
		text := part
		if h := indexUnescaped(part, '#'); h >= 0 {
			text, a.feedback = part[:h], unescape(part[h+1:])
		}
		a.raw, a.text = text, unescape(text)
		if a.text == "" {
			return nil, fmt.Errorf("%d: an answer has no text", line)
		}
		out = append(out, a)
	}
	return out, nil
}

// WriteGIFT writes the quizzes GIFT can express. What it leaves out comes
// back as notes (the line is the question's line in its quiz file).
func WriteGIFT(w io.Writer, qs ...*Quiz) ([]Note, error) {
	var notes []Note
	bw := bufio.NewWriter(w)
	for _, q := range qs {
		fmt.Fprintf(bw, "// title: %s\n", oneLine(q.Title))
		if q.Summary != "" {
			fmt.Fprintf(bw, "// summary: %s\n", oneLine(q.Summary))
		}
		fmt.Fprintf(bw, "$CATEGORY: %s\n\n", q.ID)
		for i := range q.Questions {
			qu := &q.Questions[i]
			body, ok := giftBody(qu)
			if !ok {
				notes = append(notes, Note{qu.Line, fmt.Sprintf("%s: question %q is of type %s, which GIFT cannot express; left out", q.ID, qu.ID, qu.Type)})
				continue
			}
			if qu.Type == Matching {
				for _, it := range qu.Items {
					if it.Feedback != "" {
						notes = append(notes, Note{qu.Line, fmt.Sprintf("%s: question %q: GIFT matching has no per-item feedback; left out", q.ID, qu.ID)})
						break
					}
				}
			}
			if qu.Explanation != "" {
				body += " ####" + escape(qu.Explanation)
			}
			title := qu.ID
			if qu.Title != "" {
				title = qu.Title
				if slug(title) != qu.ID {
					// The id is not the title's: say it, so it comes back.
					fmt.Fprintf(bw, "// id: %s\n", qu.ID)
				}
			}
			fmt.Fprintf(bw, "::%s:: %s {\n%s\n}\n\n", escape(title), escape(qu.Prompt), body)
		}
	}
	return notes, bw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func giftBody(qu *Question) (string, bool) {
	var b strings.Builder
	withFeedback := func(fb string) {
		if fb != "" {
			b.WriteString("#" + escape(fb))
		}
		b.WriteByte('\n')
	}
	switch qu.Type {
	case TrueFalse:
		v := "FALSE"
		if *qu.Answer {
			v = "TRUE"
		}
		b.WriteString(v)
		if qu.Feedback != "" {
			b.WriteString("#" + escape(qu.Feedback))
		}
		return b.String(), true
	case Single:
		for _, c := range qu.Choices {
			if c.Correct {
				b.WriteString("\t=" + escape(c.Text))
			} else {
				b.WriteString("\t~" + escape(c.Text))
			}
			withFeedback(c.Feedback)
		}
	case Multiple:
		right := 0
		for _, c := range qu.Choices {
			if c.Correct {
				right++
			}
		}
		share := strconv.FormatFloat(math.Floor(100000/float64(right))/1000, 'f', -1, 64)
		for _, c := range qu.Choices {
			w := "-100"
			if c.Correct {
				w = share
			}
			b.WriteString("\t~%" + w + "%" + escape(c.Text))
			withFeedback(c.Feedback)
		}
	case Short:
		for _, a := range qu.Accept {
			b.WriteString("\t=" + escape(a) + "\n")
		}
		if qu.Feedback != "" {
			b.WriteString("\t=%0%*#" + escape(qu.Feedback) + "\n")
		}
	case Matching:
		for _, it := range qu.Items {
			b.WriteString("\t=" + escape(it.Text) + " -> " + escape(it.Category) + "\n")
		}
	default:
		return "", false
	}
	return strings.TrimRight(b.String(), "\n"), true
}
