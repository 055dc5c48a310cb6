package quizzes_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/quizzes"
)

// Every shipped quiz goes out to GIFT and comes back the same, apart from
// what GIFT cannot hold (ordering and predict questions, per-item feedback
// of matching), which the export reports.
func TestGIFTRoundTrip(t *testing.T) {
	set, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, q := range set.All() {
		var buf bytes.Buffer
		notes, err := quizzes.WriteGIFT(&buf, q)
		if err != nil {
			t.Fatal(err)
		}
		left += len(notes)
		back, importNotes, err := quizzes.ParseGIFT(q.ID+".gift", "unnamed", buf.Bytes())
		if err != nil {
			t.Fatalf("%s: importing the export: %v\n%s", q.ID, err, buf.String())
		}
		if len(importNotes) != 0 {
			t.Errorf("%s: importing the export left out %v", q.ID, importNotes)
		}
		want := *q
		want.Questions = nil
		for _, qu := range q.Questions {
			if qu.Type == quizzes.Ordering || qu.Type == quizzes.Predict {
				continue
			}
			for i := range qu.Items {
				qu.Items[i].Feedback = ""
			}
			qu.Items = append([]quizzes.Item(nil), qu.Items...)
			want.Questions = append(want.Questions, qu)
		}
		if back.ID != want.ID || back.Title != want.Title || back.Summary != want.Summary || len(back.Questions) != len(want.Questions) {
			t.Fatalf("%s: came back as %s %q with %d questions, want %d", q.ID, back.ID, back.Title, len(back.Questions), len(want.Questions))
		}
		for i := range want.Questions {
			w, g := want.Questions[i], back.Questions[i]
			w.Line, g.Line = 0, 0
			if !reflect.DeepEqual(w.Public(), g.Public()) || !reflect.DeepEqual(w.Choices, g.Choices) || w.Explanation != g.Explanation ||
				w.Feedback != g.Feedback || !reflect.DeepEqual(w.Answer, g.Answer) || !reflect.DeepEqual(w.Items, g.Items) {
				t.Errorf("%s/%s changed on the way:\n got %+v\nwant %+v", q.ID, w.ID, g, w)
			}
		}
	}
	if left == 0 {
		t.Error("the export reported nothing left out, but the quizzes have ordering and predict questions")
	}
}

// Constructs from Moodle: escapes, weights, short answers, general feedback.
func TestGIFTImport(t *testing.T) {
	src := `// a comment
// title: Imported
$CATEGORY: $course$/top/Imported quiz

::Q1:: What does docker build make\: an image or a container? {
	=An image#Right, a frozen package.
	~A container#That is what docker run starts.
	####Build makes images \{always\}.
}

::Multi:: Which add layers? {~%50%RUN ~%50%COPY ~%-100%ENV#ENV adds none}

Images are read-only. {T#They are, really#Yes}

::Short:: Name the command that starts a container. {=docker run =docker container run =%0%*#Not that one.}

::Match:: Sort them. {=layers -> image =writable layer -> container =tag -> image}
`
	q, notes, err := quizzes.ParseGIFT("in.gift", "fallback", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if q.ID != "imported-quiz" || q.Title != "Imported" || len(q.Questions) != 5 || len(notes) != 0 {
		t.Fatalf("got %s %q with %d questions, notes %v", q.ID, q.Title, len(q.Questions), notes)
	}
	q1 := q.Questions[0]
	if q1.ID != "q1" || q1.Type != quizzes.Single || q1.Prompt != "What does docker build make: an image or a container?" ||
		!q1.Choices[0].Correct || q1.Choices[1].Feedback != "That is what docker run starts." || q1.Explanation != "Build makes images {always}." || q1.Line != 5 {
		t.Errorf("single: %+v", q1)
	}
	if m := q.Questions[1]; m.Type != quizzes.Multiple || !m.Choices[0].Correct || !m.Choices[1].Correct || m.Choices[2].Correct || m.Choices[2].Feedback != "ENV adds none" {
		t.Errorf("multiple: %+v", m)
	}
	if tf := q.Questions[2]; tf.Type != quizzes.TrueFalse || !*tf.Answer || tf.Feedback != "They are, really" || tf.ID != "images-are-read-only" {
		t.Errorf("true/false: %+v", tf)
	}
	if s := q.Questions[3]; s.Type != quizzes.Short || len(s.Accept) != 2 || s.Feedback != "Not that one." {
		t.Errorf("short: %+v", s)
	}
	if m := q.Questions[4]; m.Type != quizzes.Matching || !reflect.DeepEqual(m.Categories, []string{"image", "container"}) || len(m.Items) != 3 {
		t.Errorf("matching: %+v", m)
	}
}

func TestGIFTErrors(t *testing.T) {
	tests := []struct {
		src, want string
		notes     string
	}{
		// syntax errors, with their line
		{"::a:: one {=x ~y}\n\n::b:: two {=x ~y\n", "in.gift:3: a '{' is never closed", ""},
		{"::a:: q {~%abc%x =y}\n", "in.gift:1: bad weight", ""},
		{"::a:: q {x =y}\n", "in.gift:1: answers must start with '=' or '~'", ""},
		{"\n\n::a q {=x ~y}\n", "in.gift:3: the title that starts with '::' is never closed", ""},
		{"::a:: q {=a -> b ~c}\n", "in.gift:1: a matching question has an answer without '->'", ""},
		{"::a:: q {~%-100%x ~%-100%y}\n", "in.gift:1: question \"a\": a multiple-choice question needs", ""},
		// unsupported constructs: skipped with a note and their line
		{"::a:: q {=x ~y}\n\n::n:: How many? {#3:1}\n\n::e:: Discuss. {}\n\nJust text.\n", "", "line 3: a numerical question;line 5: an essay question;line 7: a description"},
	}
	for _, tt := range tests {
		_, notes, err := quizzes.ParseGIFT("in.gift", "x", []byte(tt.src))
		if tt.want != "" {
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parsing %q: %v, want %q", tt.src, err, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsing %q: %v", tt.src, err)
		}
		var got []string
		for _, n := range notes {
			got = append(got, n.String())
		}
		for _, w := range strings.Split(tt.notes, ";") {
			if !strings.Contains(strings.Join(got, "\n"), w) {
				t.Errorf("notes %q lack %q", got, w)
			}
		}
	}
}

func FuzzParseGIFT(f *testing.F) {
	f.Add([]byte("::a:: q {=x#f ~y ####e}\n"))
	f.Add([]byte("q {T}\n\n{=a -> b =c -> d}\n$CATEGORY: z\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		quizzes.ParseGIFT("f.gift", "f", src)
	})
}

// FuzzGIFTRoundTrip: a GIFT file that imports exports to one that imports
// as the same quiz.
func FuzzGIFTRoundTrip(f *testing.F) {
	for _, s := range []string{
		"::a:: q {=x#f ~y ####e}\n",
		"q {T}\n\n{=a -> b =c -> d}\n$CATEGORY: z\n",
		"// title: Images\n$CATEGORY: images\n\n::Image or container?:: Which one runs? {=container#yes ~image#no}\n",
		"::s:: short {=%50 =half}\n",
		"::m:: pick {~wrong ~%50%a -> b}\n",
		"::m2:: several {~%50%a ~%50%b ~%-100%c}\n",
		"::t:: true or not {F#no#yes ####why}\n",
		"::k:: sort {=one -> A =two -> B =three -> A}\n",
		"::e:: escapes \\{\\} \\= \\~ \\# \\: {=a\\=b ~c\\~d ~%-100%e\\#f}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		q1, _, err := quizzes.ParseGIFT("f.gift", "f", src)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := quizzes.WriteGIFT(&out, q1); err != nil {
			t.Fatal(err)
		}
		q2, _, err := quizzes.ParseGIFT("f.gift", "f", out.Bytes())
		if err != nil {
			t.Fatalf("the export of %q does not import: %v\n%s", src, err, out.String())
		}
		a, b := normalize(q1), normalize(q2)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip of %q changed the quiz:\n%+v\n%+v\nexport:\n%s", src, a, b, out.String())
		}
	})
}

// normalize drops what a file's layout decides: lines.
func normalize(q *quizzes.Quiz) *quizzes.Quiz {
	c := *q
	c.File = ""
	c.Questions = nil
	for _, qu := range q.Questions {
		qu.Line = 0
		c.Questions = append(c.Questions, qu)
	}
	return &c
}

// TestGIFTAwkwardText exports answers and titles that look like GIFT's own
// syntax (a weight, a matching arrow, a title with punctuation) and reads
// them back unchanged.
func TestGIFTAwkwardText(t *testing.T) {
	yes := true
	q := &quizzes.Quiz{ID: "awkward", Title: "Awkward text", Questions: []quizzes.Question{
		{ID: "percent", Type: quizzes.Short, Prompt: "How much?", Accept: []string{"%50", "half"}},
		{ID: "arrow", Title: "Which way: -> or <-?", Type: quizzes.Single, Prompt: "Pick", Choices: []quizzes.Choice{
			{Text: "wrong", Feedback: "no"}, {Text: "a -> b", Correct: true}}},
		{ID: "several", Type: quizzes.Multiple, Prompt: "Pick two", Choices: []quizzes.Choice{
			{Text: "%50%a", Correct: true}, {Text: "b -> c", Correct: true}, {Text: "=c"}}},
		{ID: "sorted", Type: quizzes.Matching, Prompt: "Sort", Categories: []string{"x -> y", "z"}, Items: []quizzes.Item{
			{Text: "p -> q", Category: "x -> y"}, {Text: "%r", Category: "z"}}},
		{ID: "image-or-container", Title: "Image or container?", Type: quizzes.TrueFalse, Prompt: "Same?", Answer: &yes},
	}}
	var out bytes.Buffer
	if _, err := quizzes.WriteGIFT(&out, q); err != nil {
		t.Fatal(err)
	}
	back, _, err := quizzes.ParseGIFT("a.gift", "awkward", out.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if a, b := normalize(q), normalize(back); !reflect.DeepEqual(a, b) {
		t.Errorf("round trip changed the quiz:\n%+v\n%+v\n%s", a, b, out.String())
	}
	if !strings.Contains(out.String(), "::Image or container?::") {
		t.Errorf("the title did not survive the export:\n%s", out.String())
	}
}
