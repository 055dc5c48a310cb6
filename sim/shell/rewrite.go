package shell

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// rewriter changes a parsed script, before it runs, into one the
// interpreter can run without reaching the host or starting goroutines, and
// that behaves like the flavor's shell where the interpreter behaves like
// bash:
//
//   - a pipeline a | b runs a to completion into an in-memory buffer, then b
//     reading it (see pipeline); the interpreter would run both sides at
//     once in goroutines, racing on the filesystem and on the output;
//   - a background command (cmd &) runs in the foreground, with a note;
//   - process substitution and coprocesses are refused;
//   - $$, $PPID, $RANDOM and $SRANDOM get the configured, reproducible
//     values instead of the host's process IDs and random numbers;
//   - `time` reads the virtual clock;
//   - test -O, -G and -ef, which the interpreter answers from the host,
//     ask the virtual filesystem;
//   - in dash and ash, braces are not expanded ({a,b} stays as written) and
//     export, readonly and local work as in those shells.
type rewriter struct {
	s      *Shell
	flavor Flavor
	err    error
}

func (rw *rewriter) file(f *syntax.File) error {
	rw.reserved(f)
	if rw.err != nil {
		return rw.err
	}
	for _, st := range f.Stmts {
		rw.node(st)
	}
	return rw.err
}

// reserved refuses a script that names what only the simulator may: the
// names it gives its own variables and commands.
func (rw *rewriter) reserved(f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		if rw.err != nil {
			return false
		}
		var v string
		switch n := n.(type) {
		case *syntax.Lit:
			v = n.Value
		case *syntax.SglQuoted:
			v = n.Value
		}
		if strings.Contains(v, reservedPrefix) || strings.Contains(v, internalPrefix) {
			rw.err = rw.s.refuse("names starting with %s are reserved by the simulator", reservedPrefix)
		}
		return true
	})
}

func (rw *rewriter) node(n syntax.Node) {
	syntax.Walk(n, rw.visit)
}

// visit rewrites nodes on the way down; syntax.Walk then descends into
// whatever the node holds after the rewrite.
func (rw *rewriter) visit(n syntax.Node) bool {
	if rw.err != nil || n == nil {
		return false
	}
	switch n := n.(type) {
	case *syntax.Stmt:
		rw.stmt(n)
	case *syntax.ProcSubst:
		rw.err = rw.s.refuse("process substitution <(…) is not supported by the simulator")
		return false
	case *syntax.CoprocClause:
		rw.err = rw.s.refuse("coprocesses (coproc) are not supported by the simulator")
		return false
	case *syntax.FuncDecl:
		if n.Name != nil {
			rw.s.funcs[n.Name.Value] = true
		}
	case *syntax.CallExpr:
		if rw.flavor != Bash {
			for _, w := range n.Args {
				rw.noBraces(w)
			}
		}
	case *syntax.ForClause:
		if wi, ok := n.Loop.(*syntax.WordIter); ok && rw.flavor != Bash {
			for _, w := range wi.Items {
				rw.noBraces(w)
			}
		}
		n.Do = rw.loopBody(n.DoPos, n.Do)
	case *syntax.WhileClause:
		n.Do = rw.loopBody(n.DoPos, n.Do)
	case *syntax.Word:
		n.Parts = rw.parts(n.Parts)
	case *syntax.DblQuoted:
		n.Parts = rw.parts(n.Parts)
	case *syntax.UnaryTest:
		rw.unaryTest(n)
	case *syntax.BinaryTest:
		rw.binaryTest(n)
	case *syntax.BinaryArithm:
		if !assigns(n.Op) {
			n.X = rw.arithm(n.X) // the target of an assignment stays a name
		}
		n.Y = rw.arithm(n.Y)
	case *syntax.UnaryArithm:
		if n.Op != syntax.Inc && n.Op != syntax.Dec {
			n.X = rw.arithm(n.X)
		}
	case *syntax.ParenArithm:
		n.X = rw.arithm(n.X)
	case *syntax.ArithmExp:
		n.X = rw.arithm(n.X)
	case *syntax.ArithmCmd:
		n.X = rw.arithm(n.X)
	case *syntax.LetClause:
		for i, x := range n.Exprs {
			n.Exprs[i] = rw.arithm(x)
		}
	case *syntax.DeclClause:
		rw.declClause(n)
	case *syntax.Assign:
		rw.assign(n)
	}
	return rw.err == nil
}

// stmt rewrites what one statement runs.
func (rw *rewriter) stmt(st *syntax.Stmt) {
	if st.Coprocess {
		rw.err = rw.s.refuse("coprocesses (coproc) are not supported by the simulator")
		return
	}
	if st.Background || st.Disown {
		rw.background(st)
	}
	switch cmd := st.Cmd.(type) {
	case *syntax.BinaryCmd:
		if cmd.Op == syntax.Pipe || cmd.Op == syntax.PipeAll {
			rw.pipeline(st, cmd)
		}
	case *syntax.TimeClause:
		rw.time(st, cmd)
	case *syntax.CallExpr:
		rw.declaration(st, cmd)
	case *syntax.DeclClause:
		if cmd.Variant.Value == "export" && onlyFlag(cmd.Args, "-p") {
			st.Cmd = rw.call(cmd.Pos(), internalPrefix+"export")
		}
	}
}

// onlyFlag reports whether a declaration has no arguments but flag.
func onlyFlag(args []*syntax.Assign, flag string) bool {
	for _, as := range args {
		if as.Name != nil || as.Value == nil || as.Value.Lit() != flag {
			return false
		}
	}
	return true
}

// loopBody starts each pass of a loop with a command, so that the
// simulator sees the loop's variables even when the body runs no command
// of its own (the memory check looks at them from every command).
func (rw *rewriter) loopBody(pos syntax.Pos, body []*syntax.Stmt) []*syntax.Stmt {
	if len(body) > 0 {
		if ce, ok := body[0].Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 && ce.Args[0].Lit() == internalPrefix+"loop" {
			return body
		}
	}
	// Negated, so that it keeps $? (as 0 or 1) without ever tripping set -e.
	st := rw.callStmt(pos, internalPrefix+"loop")
	st.Negated = true
	return append([]*syntax.Stmt{st}, body...)
}

// lit is a word of one literal.
func lit(pos syntax.Pos, v string) *syntax.Word {
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: v}}}
}

// call is a command of literal words.
func (rw *rewriter) call(pos syntax.Pos, args ...string) *syntax.CallExpr {
	ce := &syntax.CallExpr{}
	for _, a := range args {
		ce.Args = append(ce.Args, lit(pos, a))
	}
	return ce
}

func (rw *rewriter) callStmt(pos syntax.Pos, args ...string) *syntax.Stmt {
	return &syntax.Stmt{Position: pos, Cmd: rw.call(pos, args...)}
}

// pipeline rewrites `X | Y` into
//
//	(X) > P || __layerlab_pipe_left P
//	[[ -o pipefail ]] && __layerlab_pipe_fail P
//	(Y) < P || __layerlab_pipe_right P
//	__layerlab_pipe_end P
//
// where P is an in-memory buffer. Both sides still run in subshells, as in
// dash and bash. The status is Y's, or with pipefail the last non-zero one;
// the left side's failure never triggers set -e, and only the last
// statement can, with the pipeline's status. A negated pipeline moves its
// `!` onto that last statement, so that set -e ignores it as it should.
func (rw *rewriter) pipeline(st *syntax.Stmt, bc *syntax.BinaryCmd) {
	rw.s.pipeSeq++
	pos := bc.OpPos
	name := pipeDir + strconv.Itoa(rw.s.pipeSeq)
	out := &syntax.Redirect{OpPos: pos, Op: syntax.RdrOut, Word: lit(pos, name)}
	if bc.Op == syntax.PipeAll {
		out.Op = syntax.RdrAll
	}
	or := func(x, y *syntax.Stmt) *syntax.Stmt {
		return &syntax.Stmt{Position: x.Position, Cmd: &syntax.BinaryCmd{OpPos: pos, Op: syntax.OrStmt, X: x, Y: y}}
	}
	sub := func(x *syntax.Stmt, r *syntax.Redirect) *syntax.Stmt {
		return &syntax.Stmt{
			Position: x.Position,
			Cmd:      &syntax.Subshell{Lparen: x.Position, Rparen: x.End(), Stmts: []*syntax.Stmt{x}},
			Redirs:   []*syntax.Redirect{r},
		}
	}
	in := &syntax.Redirect{OpPos: pos, Op: syntax.RdrIn, Word: lit(pos, name)}
	pipefail := &syntax.Stmt{Position: pos, Cmd: &syntax.BinaryCmd{
		OpPos: pos, Op: syntax.AndStmt,
		X: &syntax.Stmt{Position: pos, Cmd: &syntax.TestClause{Left: pos, Right: pos, X: &syntax.UnaryTest{
			OpPos: pos, Op: syntax.TsOptSet, X: lit(pos, "pipefail"),
		}}},
		Y: rw.callStmt(pos, internalPrefix+"pipe_fail", name),
	}}
	end := rw.callStmt(pos, internalPrefix+"pipe_end", name)
	end.Negated = st.Negated
	st.Negated = false
	st.Cmd = &syntax.Block{Lbrace: pos, Rbrace: pos, Stmts: []*syntax.Stmt{
		or(sub(bc.X, out), rw.callStmt(pos, internalPrefix+"pipe_left", name)),
		pipefail,
		or(sub(bc.Y, in), rw.callStmt(pos, internalPrefix+"pipe_right", name)),
		end,
	}}
}

// background runs `cmd &` in the foreground, after a note: the simulator
// runs one command at a time.
func (rw *rewriter) background(st *syntax.Stmt) {
	st.Background, st.Disown = false, false
	if st.Cmd == nil {
		return
	}
	pos := st.Pos()
	inner := &syntax.Stmt{Position: pos, Cmd: st.Cmd}
	st.Cmd = &syntax.Block{Lbrace: pos, Rbrace: pos, Stmts: []*syntax.Stmt{
		rw.callStmt(pos, internalPrefix+"background"),
		inner,
	}}
}

// time makes `time cmd` (bash) measure the virtual clock.
func (rw *rewriter) time(st *syntax.Stmt, tc *syntax.TimeClause) {
	pos := tc.Pos()
	format := "bash"
	if tc.PosixFormat {
		format = "posix"
	}
	stmts := []*syntax.Stmt{rw.callStmt(pos, internalPrefix+"time_start")}
	if tc.Stmt != nil {
		stmts = append(stmts, tc.Stmt)
	}
	stmts = append(stmts, rw.callStmt(pos, internalPrefix+"time_end", format))
	st.Cmd = &syntax.Block{Lbrace: pos, Rbrace: pos, Stmts: stmts}
}

// declaration turns export, readonly and local, which the POSIX parser
// leaves as plain commands, into the declarations the interpreter knows.
func (rw *rewriter) declaration(st *syntax.Stmt, ce *syntax.CallExpr) {
	if rw.flavor == Bash || len(ce.Args) == 0 || len(ce.Assigns) > 0 {
		return
	}
	name := ce.Args[0].Lit()
	if name != "export" && name != "readonly" && name != "local" {
		return
	}
	dc := &syntax.DeclClause{Variant: &syntax.Lit{ValuePos: ce.Args[0].Pos(), ValueEnd: ce.Args[0].End(), Value: name}}
	for _, w := range ce.Args[1:] {
		dc.Args = append(dc.Args, &syntax.Assign{Value: w})
	}
	if name == "export" && onlyFlag(dc.Args, "-p") {
		st.Cmd = rw.call(ce.Pos(), internalPrefix+"export")
		return
	}
	st.Cmd = dc
}

// noBraces keeps dash and ash from expanding braces, which they do not
// have: each '{' in a literal becomes a quoted '{'.
func (rw *rewriter) noBraces(w *syntax.Word) {
	var parts []syntax.WordPart
	changed := false
	for _, part := range w.Parts {
		l, ok := part.(*syntax.Lit)
		if !ok || !strings.Contains(l.Value, "{") {
			parts = append(parts, part)
			continue
		}
		changed = true
		for i, seg := range strings.Split(l.Value, "{") {
			if i > 0 {
				parts = append(parts, &syntax.SglQuoted{Left: l.ValuePos, Right: l.ValuePos, Value: "{"})
			}
			if seg != "" {
				parts = append(parts, &syntax.Lit{ValuePos: l.ValuePos, ValueEnd: l.ValueEnd, Value: seg})
			}
		}
	}
	if changed {
		w.Parts = parts
	}
}

// isSpecial reports the parameters the interpreter would answer from the
// host: its process IDs and random numbers.
func isSpecial(name string) bool {
	return name == "$" || name == "PPID" || name == "RANDOM" || name == "SRANDOM"
}

// parts replaces the expansions of process IDs and random numbers, and
// makes indirect expansions (${!name}) look names up through the simulator,
// which answers for those parameters with the sandbox's values.
func (rw *rewriter) parts(parts []syntax.WordPart) []syntax.WordPart {
	for i, part := range parts {
		pe, ok := part.(*syntax.ParamExp)
		if !ok || pe.Param == nil {
			continue
		}
		name := pe.Param.Value
		if pe.Excl && pe.Names == 0 && pe.Index == nil && !isSpecial(name) && name != refVar {
			parts[i] = rw.indirect(pe)
			continue
		}
		if !isSpecial(name) {
			continue
		}
		if pe.Excl || pe.Length || pe.Width || pe.Index != nil || pe.Slice != nil || pe.Repl != nil || pe.Names != 0 || pe.Exp != nil {
			rw.err = rw.s.refuse("${%s} with an operator is not supported by the simulator", name)
			return parts
		}
		parts[i] = rw.special(pe.Pos(), name)
	}
	return parts
}

// special is what $$, $PPID, $RANDOM and $SRANDOM expand to.
func (rw *rewriter) special(pos syntax.Pos, name string) syntax.WordPart {
	switch name {
	case "$":
		return &syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: strconv.Itoa(rw.s.cfg.PID)}
	case "PPID":
		return &syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: "0"}
	}
	return &syntax.CmdSubst{Left: pos, Right: pos, Stmts: []*syntax.Stmt{
		rw.callStmt(pos, internalPrefix+"random", strings.ToLower(name)),
	}}
}

// refVar holds, in the subshell of a rewritten indirect expansion, the name
// the expansion looks up.
const refVar = reservedPrefix + "ref"

// indirect rewrites ${!x…} into $(NUL-ref x; printf %s "${!refVar…}"): the
// simulator reads x and names the parameter to look up, replacing the
// interpreter's process IDs and random numbers by the sandbox's (see
// shadowVar). The rest of the expansion (${!x:-default}, …) is unchanged.
func (rw *rewriter) indirect(pe *syntax.ParamExp) syntax.WordPart {
	pos := pe.Pos()
	inner := *pe
	inner.Param = &syntax.Lit{ValuePos: pe.Param.ValuePos, ValueEnd: pe.Param.ValueEnd, Value: refVar}
	printf := rw.call(pos, "printf", "%s")
	printf.Args = append(printf.Args, &syntax.Word{Parts: []syntax.WordPart{
		&syntax.DblQuoted{Left: pos, Right: pos, Parts: []syntax.WordPart{&inner}},
	}})
	return &syntax.CmdSubst{Left: pos, Right: pos, Stmts: []*syntax.Stmt{
		rw.callStmt(pos, internalPrefix+"ref", pe.Param.Value),
		{Position: pos, Cmd: printf},
	}}
}

// nameSubst is $(NUL-name word): the word as the simulator translates a
// parameter name (see shadowVar).
func (rw *rewriter) nameSubst(w *syntax.Word) *syntax.Word {
	pos := w.Pos()
	ce := rw.call(pos, internalPrefix+"name")
	ce.Args = append(ce.Args, w)
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.DblQuoted{Left: pos, Right: pos, Parts: []syntax.WordPart{
		&syntax.CmdSubst{Left: pos, Right: pos, Stmts: []*syntax.Stmt{{Position: pos, Cmd: ce}}},
	}}}}
}

// declClause keeps declarations away from the host's process IDs and
// random numbers: declaring one of them by name is refused, a name
// reference (declare -n r=PPID) points at the sandbox's value, and a name
// that is only known when the script runs (export "$x") is translated then.
func (rw *rewriter) declClause(dc *syntax.DeclClause) {
	nameref := false
	for _, as := range dc.Args {
		if as.Naked && as.Value != nil {
			if l := as.Value.Lit(); strings.HasPrefix(l, "-") && strings.Contains(l, "n") {
				nameref = true
			}
		}
	}
	for _, as := range dc.Args {
		switch {
		case as.Naked && as.Value != nil && isSpecial(as.Value.Lit()):
			rw.err = rw.s.refuse("%s %s is not supported by the simulator", dc.Variant.Value, as.Value.Lit())
			return
		case as.Naked && as.Value != nil && as.Value.Lit() == "":
			as.Value = rw.nameSubst(as.Value)
		case nameref && as.Name != nil && as.Value != nil && as.Index == nil:
			as.Value = rw.nameSubst(as.Value)
		}
	}
}

// assign refuses assignments that would store the host's value of a
// special parameter (PPID+=1 reads it first); RANDOM=n, which only seeds
// the generator, is left alone.
func (rw *rewriter) assign(as *syntax.Assign) {
	if as.Name == nil || !isSpecial(as.Name.Value) {
		return
	}
	if as.Name.Value == "RANDOM" && !as.Append && as.Index == nil {
		return
	}
	rw.err = rw.s.refuse("setting or declaring %s is not supported by the simulator", as.Name.Value)
}

// assigns reports the arithmetic operators that assign to their left side.
func assigns(op syntax.BinAritOperator) bool {
	switch op {
	case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn,
		syntax.RemAssgn, syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn, syntax.ShrAssgn,
		syntax.AndBoolAssgn, syntax.OrBoolAssgn, syntax.XorBoolAssgn, syntax.PowAssgn:
		return true
	}
	return false
}

// arithm replaces a bare RANDOM in arithmetic, and makes every other
// operand that is not a number resolve through the simulator: arithmetic
// follows a variable holding a name to that name's value (x=PPID; $((x))),
// which the interpreter would answer from the host.
func (rw *rewriter) arithm(x syntax.ArithmExpr) syntax.ArithmExpr {
	w, ok := x.(*syntax.Word)
	if !ok {
		return x
	}
	v := w.Lit()
	switch {
	case isSpecial(v):
		return &syntax.Word{Parts: []syntax.WordPart{rw.special(w.Pos(), v)}}
	case v != "" && !syntax.ValidName(v):
		return x // a number
	case len(w.Parts) == 1:
		if cs, ok := w.Parts[0].(*syntax.CmdSubst); ok && len(cs.Stmts) == 1 {
			if ce, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 && isInternal(ce.Args[0].Lit()) {
				return x // rewritten already
			}
		}
	}
	pos := w.Pos()
	ce := rw.call(pos, internalPrefix+"arith")
	ce.Args = append(ce.Args, w)
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.CmdSubst{Left: pos, Right: pos, Stmts: []*syntax.Stmt{{Position: pos, Cmd: ce}}}}}
}

// unaryTest makes [[ -O f ]] and [[ -G f ]] ask the virtual filesystem who
// owns f: the interpreter would compare with the host's user.
func (rw *rewriter) unaryTest(ut *syntax.UnaryTest) {
	if ut.Op != syntax.TsUsrOwn && ut.Op != syntax.TsGrpOwn {
		return
	}
	w, ok := ut.X.(*syntax.Word)
	if !ok {
		return
	}
	op := "-O"
	if ut.Op == syntax.TsGrpOwn {
		op = "-G"
	}
	ut.Op = syntax.TsNempStr
	ut.X = rw.testSubst(ut.OpPos, op, w)
}

// binaryTest makes [[ a -ef b ]] compare virtual files.
func (rw *rewriter) binaryTest(bt *syntax.BinaryTest) {
	if bt.Op != syntax.TsDevIno {
		return
	}
	x, ok1 := bt.X.(*syntax.Word)
	y, ok2 := bt.Y.(*syntax.Word)
	if !ok1 || !ok2 {
		return
	}
	sub := rw.testSubst(bt.OpPos, "-ef", x, y)
	bt.Op = syntax.TsNeq
	bt.X = &syntax.Word{Parts: []syntax.WordPart{&syntax.DblQuoted{Left: bt.OpPos, Right: bt.OpPos, Parts: sub.Parts}}}
	bt.Y = lit(bt.OpPos, "0")
}

// testSubst is "$(__layerlab_test op words…)", which prints 1 when the test
// holds and nothing otherwise.
func (rw *rewriter) testSubst(pos syntax.Pos, op string, words ...*syntax.Word) *syntax.Word {
	ce := rw.call(pos, internalPrefix+"test", op)
	ce.Args = append(ce.Args, words...)
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.CmdSubst{Left: pos, Right: pos, Stmts: []*syntax.Stmt{{Position: pos, Cmd: ce}}}}}
}
