// Package shell runs shell scripts and programs inside a container's virtual
// filesystem: RUN steps, docker exec and a container's main command all run
// here.
//
// It is built on mvdan.cc/sh/v3/interp with every handler replaced, so a
// script reaches nothing of the host: files are read and written in a
// shell.FS, usually a *union.Overlay (with the user's permissions and umask), programs are
// found on the image's PATH and run as Go simulations (Coreutils and
// whatever the caller adds), the environment is the image's alone, the
// clock is virtual, and $$, $PPID and $RANDOM come from the configuration.
//
// Before a script runs, its syntax tree is rewritten (see rewriter) so that
// nothing in it runs concurrently: a pipeline runs its left side to
// completion into an in-memory buffer and then its right side, and a
// background command runs in the foreground with a note. The same is done
// to the code eval, source and trap hand to the interpreter. That keeps
// every run byte-for-byte reproducible and leaves the interpreter's own
// goroutines only the copying of redirected input into OS pipes.
//
// The flavor of /bin/sh decides what a script may say and how errors read:
// dash and BusyBox ash parse POSIX scripts (no [[ in dash, no brace
// expansion, echo interprets backslashes in dash) and word their messages as
// those shells do; bash parses bash.
//
// Every run is bounded: a step budget stops endless loops, runaway
// recursion and growing variables with ErrBudget, output beyond a cap is cut
// with a note, and what the simulator cannot model safely (process
// substitution, coprocesses) is refused with ErrRefused. A program that
// would never end (sleep infinity, tail -f, a server) ends the run with
// ErrRunning.
package shell
