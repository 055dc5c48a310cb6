// Command layerlab serves the layerlab teaching simulator and runs its tools:
// building Dockerfiles into OCI layouts, replaying console scripts, checking
// lessons and managing quizzes, instructors and LMS platforms.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		fmt.Fprintln(os.Stderr, "layerlab:", err)
		os.Exit(1)
	}
}

// env is what a command may touch of the process around it, passed in so
// tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// exitError ends the process with a status after the command has already
// said what went wrong.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `layerlab — images are frozen, containers run.

Usage:
  layerlab serve  [--addr 127.0.0.1:8080] [--db ./layerlab.db] [--dev]
  layerlab build  [-f Dockerfile] [-t name:tag] [--oci-layout DIR] [CONTEXT]
  layerlab play   [--context DIR] [--seed N] [SCRIPT]
  layerlab lessons check [DIR]
  layerlab quiz import|export --gift FILE
  layerlab instructor add [--db FILE] [--password-stdin] EMAIL
  layerlab lti add-platform [--db FILE] [--update] --issuer URL --client-id ID
                            --auth-url URL --token-url URL --jwks-url URL
                            [--deployment-id ID]…
  layerlab lti platforms [--db FILE]
  layerlab healthcheck [--addr 127.0.0.1:8080]

Each command lists all its flags with --help, e.g. layerlab serve --help.

Every flag of serve can also be set as LAYERLAB_<FLAG> in the environment
(LAYERLAB_ADDR, LAYERLAB_DB, …); a flag wins over the environment.
`

func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitError(2)
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], e)
	case "build":
		return runBuild(ctx, args[1:], e)
	case "play":
		return runPlay(ctx, args[1:], e)
	case "lessons":
		return runLessons(ctx, args[1:], e)
	case "quiz":
		return runQuiz(ctx, args[1:], e)
	case "instructor":
		return runInstructor(ctx, args[1:], e)
	case "lti":
		return runLTI(ctx, args[1:], e)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	default:
		fmt.Fprintf(e.stderr, "layerlab: unknown command %q\n\n%s", args[0], usage)
		return exitError(2)
	}
}

// newFlags makes a flag set whose errors and help go to stderr.
func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("layerlab "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses flags given before, between or after the positional
// arguments (`instructor add EMAIL --db FILE`), as users of docker and git
// expect; after "--" everything is positional. fs.Args() holds the
// positional arguments afterwards.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// envDefault is the value of LAYERLAB_<NAME>, or def.
func envDefault(e env, name, def string) string {
	if v := e.getenv("LAYERLAB_" + name); v != "" {
		return v
	}
	return def
}
