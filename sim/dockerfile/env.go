package dockerfile

import (
	"maps"
	"slices"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// envVar is one variable of an ordered environment.
type envVar struct{ key, value string }

// envList is an ordered environment for BuildKit's lexer; set returns a new
// list rather than changing the old one.
type envList []envVar

func (l envList) Get(key string) (string, bool) {
	for i := len(l) - 1; i >= 0; i-- {
		if l[i].key == key {
			return l[i].value, true
		}
	}
	return "", false
}

func (l envList) Keys() []string {
	keys := make([]string, 0, len(l))
	for _, v := range l {
		if !slices.Contains(keys, v.key) {
			keys = append(keys, v.key)
		}
	}
	return keys
}

func (l envList) set(key, value string) envList {
	out := make(envList, 0, len(l)+1)
	for _, v := range l {
		if v.key != key {
			out = append(out, v)
		}
	}
	return append(out, envVar{key, value})
}

// mapEnv adapts a map to BuildKit's lexer, with keys in a stable order so that
// suggestions do not depend on map iteration.
type mapEnv map[string]string

func (m mapEnv) Get(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

func (m mapEnv) Keys() []string { return slices.Sorted(maps.Keys(m)) }

// ExpandWord substitutes $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} and the
// other forms BuildKit supports in word, and removes quotes, as BuildKit does
// for the arguments of ENV, LABEL, COPY, ADD, WORKDIR, USER, VOLUME, EXPOSE,
// STOPSIGNAL and a stage's ARG defaults. It uses the default escape character;
// Dockerfile.ExpandWord uses the file's own.
//
// env must hold every variable visible at the step: the stage's ARGs (with
// --build-arg values and global values applied) and its ENVs so far, an ENV
// replacing an ARG of the same name, exactly as the step's shell would see
// them. A variable missing from env expands to "".
func ExpandWord(word string, env map[string]string) (string, error) {
	return expandWord(parser.DefaultEscapeToken, word, env)
}

// ExpandWord is the package ExpandWord with the Dockerfile's escape character.
func (d *Dockerfile) ExpandWord(word string, env map[string]string) (string, error) {
	return expandWord(d.Escape, word, env)
}

func expandWord(escape rune, word string, env map[string]string) (string, error) {
	s, _, err := shell.NewLex(escape).ProcessWord(word, mapEnv(env))
	return s, err
}

// Expand returns a fresh copy of the instruction with its words expanded in
// env (see ExpandWord for what env must hold), as BuildKit does just before it
// runs the step, and the names of the variables the words used that env does
// not define (for the UndefinedVar rule, sorted).
//
// Which words are expanded is BuildKit's choice, not this package's: RUN, CMD
// and ENTRYPOINT keep theirs (the shell expands them at run time), heredoc
// bodies of COPY and ADD are expanded unless the delimiter is quoted, and
// ARG is returned unexpanded because its default is only used when neither a
// --build-arg nor a global ARG gives a value: the builder expands it with
// ExpandWord when it applies. The receiver and its Inst are never changed.
func (c Command) Expand(env map[string]string) (instructions.Command, []string, error) {
	if c.node == nil {
		return nil, nil, &Error{Msg: "command was not produced by Parse"}
	}
	fresh, err := instructions.ParseCommand(c.node)
	if err != nil {
		return nil, nil, &Error{Line: c.StartLine, Msg: err.Error(), err: err}
	}
	getter := mapEnv(env)
	missing := map[string]struct{}{}
	expander := func(lex *shell.Lex) instructions.SingleWordExpander {
		return func(word string) (string, error) {
			s, unmatched, err := lex.ProcessWord(word, getter)
			for k := range unmatched {
				missing[k] = struct{}{}
			}
			return s, err
		}
	}
	if _, isArg := fresh.(*instructions.ArgCommand); !isArg {
		if ex, ok := fresh.(instructions.SupportsSingleWordExpansion); ok {
			if err := ex.Expand(expander(shell.NewLex(c.escape))); err != nil {
				return nil, nil, &Error{Line: c.StartLine, Msg: err.Error(), err: err}
			}
		}
	}
	if ex, ok := fresh.(instructions.SupportsSingleWordExpansionRaw); ok {
		// BuildKit expands heredoc bodies with the default escape and keeps
		// their quotes: they are file contents, not words.
		lex := shell.NewLex(parser.DefaultEscapeToken)
		lex.SkipProcessQuotes = true
		if err := ex.ExpandRaw(expander(lex)); err != nil {
			return nil, nil, &Error{Line: c.StartLine, Msg: err.Error(), err: err}
		}
	}
	return fresh, slices.Sorted(maps.Keys(missing)), nil
}
