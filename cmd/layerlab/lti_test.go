package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/web/sqlite"
)

func TestLTIAddPlatform(t *testing.T) {
	db := filepath.Join(t.TempDir(), "l.db")
	var out bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	add := func(extra ...string) []string {
		return append([]string{"lti", "add-platform", "--db", db,
			"--issuer", "https://lms.school.example", "--client-id", "tool-7",
			"--auth-url", "https://lms.school.example/mod/lti/auth.php",
			"--token-url", "https://lms.school.example/mod/lti/token.php",
			"--jwks-url", "https://lms.school.example/mod/lti/certs.php"}, extra...)
	}
	if err := run(context.Background(), add("--deployment-id", "3", "--deployment-id", "4"), e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "may now launch") {
		t.Errorf("add-platform said %q", out.String())
	}
	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := store.Platforms(context.Background())
	store.Close()
	if err != nil || len(ps) != 1 || ps[0].ClientID != "tool-7" || !slices.Equal(ps[0].Deployments, []string{"3", "4"}) {
		t.Fatalf("stored platforms %+v, %v", ps, err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"lti", "platforms", "--db", db}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "https://lms.school.example  tool-7") || !strings.Contains(out.String(), "3,4") {
		t.Errorf("platforms listed:\n%s", out.String())
	}
	// --update changes the deployments of the registered platform.
	out.Reset()
	if err := run(context.Background(), add("--deployment-id", "5", "--update"), e); err != nil {
		t.Fatal(err)
	}
	store, err = sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	ps, err = store.Platforms(context.Background())
	store.Close()
	if err != nil || len(ps) != 1 || !slices.Equal(ps[0].Deployments, []string{"5"}) {
		t.Fatalf("after --update: %+v, %v", ps, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(add("--update"), "--client-id", "tool-8"), "no platform https://lms.school.example with client id tool-8"},
		{add(), "already registered"},
		{[]string{"lti", "add-platform", "--db", db, "--issuer", "https://x.example"}, "--client-id is required"},
		{add("--jwks-url", "http://lms.school.example/certs"), "must be an https URL"},
		{add("--auth-url", "not a url"), "not an absolute URL"},
		{add("--token-url", ""), "--token-url: is required"},
		{add("--deployment-id", ""), "deployment-id is empty"},
		{add("extra"), "takes no arguments"},
		{[]string{"lti"}, "usage"},
		{[]string{"lti", "remove"}, "usage"},
	} {
		err := run(context.Background(), tc.args, e)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
