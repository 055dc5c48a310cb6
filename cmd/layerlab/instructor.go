package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

// runInstructor manages instructor accounts: `instructor add EMAIL` asks for
// the password twice on a terminal, or reads one line with --password-stdin.
func runInstructor(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: layerlab instructor add [--db FILE] [--password-stdin] EMAIL")
	}
	fs := newFlags("instructor add", e)
	dbPath := fs.String("db", envDefault(e, "DB", "./layerlab.db"), "SQLite database file or postgres:// URL")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("instructor add takes exactly one EMAIL")
	}
	addr, err := mail.ParseAddress(fs.Arg(0))
	if err != nil || addr.Address != fs.Arg(0) {
		return fmt.Errorf("instructor add: %q is not an email address", fs.Arg(0))
	}
	password, err := readPassword(e, *fromStdin)
	if err != nil {
		return err
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return fmt.Errorf("instructor add: %w", err)
	}
	db, _, _, err := openDatabase(ctx, *dbPath, sqlite.DurabilityNormal)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.AddInstructor(ctx, addr.Address, hash); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "instructor %s can now log in at /instructor/login\n", addr.Address)
	return nil
}

func readPassword(e env, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("reading the password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no terminal to ask for the password on: pass it with --password-stdin")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(e.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	p1, err := ask("Password: ")
	if err != nil {
		return "", err
	}
	p2, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", errors.New("the two passwords differ")
	}
	return p1, nil
}
