package lessons

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Files are the lessons shipped with layerlab, and their translations in a
// directory per language (translate.go).
//
//go:embed *.md es/*.md de/*.md
var Files embed.FS

//go:embed glossary.yaml
var glossaryFile []byte

// glossaries are the glossary's translations, one per language directory.
//
//go:embed */glossary.yaml
var glossaries embed.FS

// Term is one entry of the course's glossary.
type Term struct {
	ID    string `yaml:"id"`
	Term  string `yaml:"term"`
	Means string `yaml:"means"`
}

// Glossary is the course's glossary, in its file's order.
func Glossary() ([]Term, error) {
	var terms []Term
	if err := yaml.Unmarshal(glossaryFile, &terms); err != nil {
		return nil, fmt.Errorf("glossary.yaml:%s", strings.TrimPrefix(err.Error(), "yaml: line "))
	}
	for _, t := range terms {
		if !validID.MatchString(t.ID) || t.Term == "" || t.Means == "" {
			return nil, fmt.Errorf("glossary.yaml: entry %q needs an id, a term and what it means", t.ID)
		}
	}
	return terms, nil
}

// GlossaryIn is the glossary in language lang: each entry of
// lang/glossary.yaml in place of the English entry of its id, English for
// the rest, in the English order. A translation with an id English does
// not have, an entry twice, or an empty field is an error (the English
// glossary is returned with it).
func GlossaryIn(lang string) ([]Term, error) {
	terms, err := Glossary()
	if err != nil || lang == "" {
		return terms, err
	}
	name := lang + "/glossary.yaml"
	src, err := glossaries.ReadFile(name)
	if err != nil {
		return terms, nil // not translated: English
	}
	var tr []Term
	if err := yaml.Unmarshal(src, &tr); err != nil {
		return terms, fmt.Errorf("%s:%s", name, strings.TrimPrefix(err.Error(), "yaml: line "))
	}
	index := map[string]int{}
	for i, t := range terms {
		index[t.ID] = i
	}
	out := append([]Term(nil), terms...)
	seen := map[string]bool{}
	for _, t := range tr {
		i, ok := index[t.ID]
		switch {
		case !ok:
			return terms, fmt.Errorf("%s: entry %q is not in the English glossary", name, t.ID)
		case seen[t.ID]:
			return terms, fmt.Errorf("%s: entry %q appears twice", name, t.ID)
		case t.Term == "" || t.Means == "":
			return terms, fmt.Errorf("%s: entry %q needs a term and what it means", name, t.ID)
		}
		seen[t.ID] = true
		out[i] = t
	}
	return out, nil
}

// Lesson is one lesson file, parsed.
type Lesson struct {
	File       string // the file name, for file:line messages
	ID         string
	Title      string
	Summary    string
	Objectives []string
	Teaches    []int  // concept numbers of SPEC §2
	Order      int    // position in the course; lessons sort by it, then by file name
	Quiz       string // the knowledge check at the end, by quiz id
	QuizLine   int
	Start      Start
	Intro      string // Markdown before the first step
	Steps      []Step
}

// Start is the state a lesson opens in.
type Start struct {
	Images   []string          // base images already pulled
	Files    map[string]string // the build context: path -> content
	Commands []string          // console lines already run
	Line     int               // where start: is, for messages about it
}

// The kinds of step. An example shows its commands; a predict step asks
// what a command will print before the learner runs it; a challenge draws
// the goal and keeps its commands to itself.
const (
	Example   = "example"
	Predict   = "predict"
	Challenge = "challenge"
)

// Step is one thing the learner does.
type Step struct {
	Title     string
	Line      int    // the "## Step:" heading
	Kind      string // Example, Predict or Challenge
	Narrative string // Markdown
	Goal      string // an expr expression; see Env (predict steps have none)
	GoalLine  int
	Hints     []string
	Solution  []Action

	// Predict steps: the command whose output is predicted (the step's
	// solution: running it is the reveal), and either the candidate
	// outputs or the output the learner is to type.
	Command  string
	Choices  []PredictChoice
	Answer   string
	AnyOrder bool // the lines may come in any order

	// Par is how many commands a challenge takes at best.
	Par int

	goal     *Goal
	blockErr bool // its step block did not parse, already reported
}

// PredictChoice is one candidate output of a predict step.
type PredictChoice struct {
	Text     string `yaml:"text"`
	Correct  bool   `yaml:"correct"`
	Feedback string `yaml:"feedback"`
}

// Action is one part of a solution: a console line, or a change to a
// build-context file (the learner editing it in the player).
type Action struct {
	Command string // a console line; empty for a file edit
	File    string // a build-context path to write
	Content string
	Delete  bool // remove File from the context instead
}

// String is how the player shows an action.
func (a Action) String() string {
	switch {
	case a.Command != "":
		return a.Command
	case a.Delete:
		return "delete " + a.File
	default:
		return "edit " + a.File
	}
}

// Problem is one thing wrong with a lesson, located in its file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Compiled is the goal of a step, ready to evaluate.
func (s *Step) Compiled() *Goal { return s.goal }

// frontMatter is the YAML between the "---" lines.
type frontMatter struct {
	ID         string    `yaml:"id"`
	Title      string    `yaml:"title"`
	Summary    string    `yaml:"summary"`
	Objectives []string  `yaml:"objectives"`
	Teaches    []int     `yaml:"teaches"`
	Order      int       `yaml:"order"`
	Quiz       string    `yaml:"quiz"`
	Start      startYAML `yaml:"start"`
}

type startYAML struct {
	Images   []string          `yaml:"images"`
	Files    map[string]string `yaml:"files"`
	Commands []string          `yaml:"commands"`
}

// stepYAML is the fenced ```step block of a step.
type stepYAML struct {
	Kind     string          `yaml:"kind"`
	Goal     string          `yaml:"goal"`
	Hints    []string        `yaml:"hints"`
	Solution []yaml.Node     `yaml:"solution"`
	Command  string          `yaml:"command"`
	Choices  []PredictChoice `yaml:"choices"`
	Answer   string          `yaml:"answer"`
	AnyOrder bool            `yaml:"any_order"`
	Par      int             `yaml:"par"`
}

var (
	validID     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	stepHeading = regexp.MustCompile(`^##\s+Step:\s*(.*?)\s*$`)
)

// Parse reads one lesson file. It returns the lesson even when there are
// problems, so the checker can report all of them at once; a lesson with
// problems must not be served.
func Parse(name string, src []byte) (*Lesson, []Problem) {
	l := &Lesson{File: name}
	var probs []Problem
	at := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		at(1, "a lesson starts with front matter: a line \"---\", YAML, then another \"---\"")
		return l, probs
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		at(1, "front matter is not closed: add a line \"---\" after it")
		return l, probs
	}
	var doc yaml.Node
	var fm frontMatter
	if err := yaml.Unmarshal([]byte(strings.Join(lines[1:end], "\n")), &doc); err != nil {
		at(yamlLine(err, 1), "front matter: %s", yamlMsg(err))
		return l, probs
	}
	if err := decodeStrict(strings.Join(lines[1:end], "\n"), &fm); err != nil {
		at(yamlLine(err, 1), "front matter: %s", yamlMsg(err))
		return l, probs
	}
	key := func(k string) int { return 1 + keyLine(&doc, k) }
	l.ID, l.Title, l.Summary, l.Objectives, l.Teaches, l.Order, l.Quiz = fm.ID, fm.Title, fm.Summary, fm.Objectives, fm.Teaches, fm.Order, fm.Quiz
	l.QuizLine = key("quiz")
	l.Start = Start{Images: fm.Start.Images, Files: fm.Start.Files, Commands: fm.Start.Commands, Line: key("start")}
	switch {
	case l.ID == "":
		at(1, "front matter: id is missing")
	case !validID.MatchString(l.ID):
		at(key("id"), "front matter: id %q must be lower-case letters, digits and dashes", l.ID)
	}
	if l.Title == "" {
		at(1, "front matter: title is missing")
	}
	if len(l.Objectives) == 0 {
		at(1, "front matter: objectives are missing: say what the learner will be able to do")
	}
	for _, c := range l.Teaches {
		if c < 1 || c > Concepts {
			at(key("teaches"), "front matter: teaches %d: concepts are numbered 1 to %d", c, Concepts)
		}
	}
	for p := range l.Start.Files {
		if !fs.ValidPath(p) || p == "." {
			at(key("start"), "start.files: %q is not a relative path inside the build context", p)
		}
	}

	// The body: an introduction, then "## Step:" sections.
	var cur *Step
	var body []string
	flush := func() {
		md := strings.TrimSpace(strings.Join(body, "\n"))
		if cur == nil {
			l.Intro = md
		} else {
			cur.Narrative = md
		}
		body = body[:0]
	}
	inFence := ""
	for i := end + 1; i < len(lines); i++ {
		line := lines[i]
		if inFence != "" {
			if strings.TrimSpace(line) == inFence {
				inFence = ""
			}
			body = append(body, line)
			continue
		}
		if m := stepHeading.FindStringSubmatch(line); m != nil {
			flush()
			l.Steps = append(l.Steps, Step{Title: m[1], Line: i + 1})
			cur = &l.Steps[len(l.Steps)-1]
			if cur.Title == "" {
				at(i+1, "step heading has no title: write \"## Step: what the learner does\"")
			}
			continue
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			fence := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			info := strings.TrimSpace(strings.TrimPrefix(trimmed, fence))
			if info == "step" {
				j := i + 1
				for j < len(lines) && strings.TrimSpace(lines[j]) != fence {
					j++
				}
				if j == len(lines) {
					at(i+1, "the step block is not closed: add a line %s after it", fence)
					break
				}
				if cur == nil {
					at(i+1, "a step block must be inside a \"## Step:\" section")
				} else if cur.GoalLine != 0 || cur.Goal != "" {
					at(i+1, "step %q has two step blocks", cur.Title)
				} else {
					probs = append(probs, parseStepBlock(name, i+1, strings.Join(lines[i+1:j], "\n"), cur)...)
				}
				i = j
				continue
			}
			inFence = fence
		}
		body = append(body, line)
	}
	flush()
	if len(l.Steps) == 0 {
		at(end+1, "the lesson has no steps: add \"## Step: …\" sections")
	}
	for i := range l.Steps {
		s := &l.Steps[i]
		if s.blockErr {
			continue
		}
		if s.GoalLine == 0 {
			at(s.Line, "step %q has no ```step block with its goal and solution", s.Title)
			continue
		}
		if s.Kind == Predict {
			probs = append(probs, s.checkPredict(name)...)
			continue
		}
		if s.Goal == "" {
			at(s.GoalLine, "step %q has no goal", s.Title)
			continue
		}
		g, err := CompileGoal(s.Goal)
		if err != nil {
			at(s.GoalLine, "goal does not compile: %v", err)
			continue
		}
		s.goal = g
		if len(s.Solution) == 0 {
			at(s.GoalLine, "step %q has no solution: the checker needs one to prove the goal can be met", s.Title)
		}
		if s.Par != 0 && s.Kind != Challenge {
			at(s.GoalLine, "step %q: par is for challenge steps", s.Title)
		}
		if s.Kind == Challenge && s.Par == 0 {
			s.Par = s.commands()
		}
		if s.Command != "" || len(s.Choices) > 0 || s.Answer != "" || s.AnyOrder {
			at(s.GoalLine, "step %q: command, choices, answer and any_order are for predict steps", s.Title)
		}
	}
	return l, probs
}

// commands counts the console lines of a step's solution.
func (s *Step) commands() int {
	n := 0
	for _, a := range s.Solution {
		if a.Command != "" {
			n++
		}
	}
	return n
}

// checkPredict checks a predict step's block: a command, and either
// candidate outputs with exactly one marked correct or the output to type.
// Its solution is the command: running it is the reveal.
func (s *Step) checkPredict(file string) []Problem {
	var probs []Problem
	at := func(format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: s.GoalLine, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(s.Command) == "" {
		at("predict step %q has no command: which command's output does the learner predict?", s.Title)
	}
	if s.Goal != "" || len(s.Solution) > 0 || s.Par != 0 {
		at("predict step %q: its command is its solution and goal; leave out goal, solution and par", s.Title)
	}
	correct := 0
	for _, c := range s.Choices {
		if c.Correct {
			correct++
		}
	}
	switch {
	case len(s.Choices) > 0 && (len(s.Choices) < 2 || correct != 1):
		at("predict step %q needs at least two choices and exactly one marked correct", s.Title)
	case len(s.Choices) > 0 && s.Answer != "":
		at("predict step %q has both choices and answer: keep one", s.Title)
	case len(s.Choices) == 0 && strings.TrimSpace(s.Answer) == "":
		at("predict step %q needs choices, or the answer the learner types", s.Title)
	}
	if s.Command != "" {
		s.Solution = []Action{{Command: s.Command}}
	}
	return probs
}

// parseStepBlock reads a ```step block whose fence is on line fenceLine.
func parseStepBlock(file string, fenceLine int, src string, s *Step) []Problem {
	var probs []Problem
	at := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	s.GoalLine = fenceLine
	var doc yaml.Node
	var sy stepYAML
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		at(yamlLine(err, fenceLine), "step block: %s", yamlMsg(err))
		s.blockErr = true
		return probs
	}
	if err := decodeStrict(src, &sy); err != nil {
		at(yamlLine(err, fenceLine), "step block: %s", yamlMsg(err))
		s.blockErr = true
		return probs
	}
	if n := keyLine(&doc, "goal"); n > 0 {
		s.GoalLine = fenceLine + n
	}
	s.Goal = strings.TrimSpace(sy.Goal)
	s.Hints = sy.Hints
	s.Kind = sy.Kind
	switch s.Kind {
	case "":
		s.Kind = Example
	case Example, Predict, Challenge:
	default:
		at(fenceLine+keyLine(&doc, "kind"), "kind %q: a step is an example, a predict or a challenge step", sy.Kind)
	}
	s.Command = strings.TrimSpace(sy.Command)
	s.Choices, s.Answer, s.AnyOrder, s.Par = sy.Choices, sy.Answer, sy.AnyOrder, sy.Par
	if s.Par < 0 {
		at(fenceLine+keyLine(&doc, "par"), "par %d: a number of commands, at least 1", s.Par)
	}
	for _, n := range sy.Solution {
		line := fenceLine + n.Line
		switch n.Kind {
		case yaml.ScalarNode:
			if strings.TrimSpace(n.Value) == "" {
				at(line, "solution: an empty command")
				continue
			}
			s.Solution = append(s.Solution, Action{Command: n.Value})
		case yaml.MappingNode:
			var e struct {
				File    string  `yaml:"file"`
				Content *string `yaml:"content"`
				Delete  bool    `yaml:"delete"`
			}
			if err := n.Decode(&e); err != nil {
				at(line, "solution: %s", yamlMsg(err))
				continue
			}
			if !fs.ValidPath(e.File) || e.File == "." || e.File == "" {
				at(line, "solution: file %q is not a relative path inside the build context", e.File)
				continue
			}
			if (e.Content == nil) == !e.Delete {
				at(line, "solution: a file edit has either content: or delete: true")
				continue
			}
			a := Action{File: e.File, Delete: e.Delete}
			if e.Content != nil {
				a.Content = *e.Content
			}
			s.Solution = append(s.Solution, a)
		default:
			at(line, "solution: each item is a console line or {file: PATH, content: TEXT}")
		}
	}
	return probs
}

// decodeStrict decodes YAML refusing unknown keys, so a typo such as
// "hint:" is reported instead of silently ignored.
func decodeStrict(src string, v any) error {
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && err != io.EOF {
		return err
	}
	return nil
}

// keyLine is the line (1-based, within the YAML) of a top-level key, 0 when
// absent.
func keyLine(doc *yaml.Node, key string) int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlLine finds the line a YAML error names, offset by where the YAML sits
// in the file.
func yamlLine(err error, offset int) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		if strings.Contains(err.Error(), "did not find expected ',' or") {
			// The YAML parser names the line before an unclosed [ or {.
			n++
		}
		return offset + n
	}
	return offset
}

var (
	yamlLinePrefix = regexp.MustCompile(`^line \d+: `)
	fieldNotFound  = regexp.MustCompile(`field (\S+) not found`)
)

// yamlMsg shortens a YAML error to its first message, without the line the
// caller already reports.
func yamlMsg(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n"); i >= 0 {
		s = s[:i]
	}
	s = yamlLinePrefix.ReplaceAllString(s, "")
	if m := fieldNotFound.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("unknown key %q", m[1])
	}
	return s
}

// Concepts is how many concepts SPEC §2 lists.
const Concepts = 14

// Course is every lesson of a directory, in order.
type Course struct {
	Lessons []*Lesson
	byID    map[string]*Lesson
}

// Lesson finds a lesson by id.
func (c *Course) Lesson(id string) (*Lesson, bool) {
	l, ok := c.byID[id]
	return l, ok
}

// Load parses every *.md file of fsys. Lessons with problems are left out of
// the course and their problems returned, so a server can keep serving the
// others.
func Load(fsys fs.FS) (*Course, []Problem) {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return &Course{byID: map[string]*Lesson{}}, []Problem{{File: ".", Line: 0, Msg: err.Error()}}
	}
	sort.Strings(names)
	c := &Course{byID: map[string]*Lesson{}}
	var probs []Problem
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, Problem{File: name, Line: 1, Msg: fmt.Sprintf("reading: %v", err)})
			continue
		}
		l, ps := Parse(name, src)
		if len(ps) == 0 {
			if prev, dup := c.byID[l.ID]; dup {
				ps = append(ps, Problem{File: name, Line: 2, Msg: fmt.Sprintf("lesson id %q is already used by %s", l.ID, prev.File)})
			}
		}
		if len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		c.byID[l.ID] = l
		c.Lessons = append(c.Lessons, l)
	}
	sort.SliceStable(c.Lessons, func(i, j int) bool { return c.Lessons[i].Order < c.Lessons[j].Order })
	return c, probs
}
