package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The overview names every flag of the small commands, so nobody has to
// guess that lti add-platform takes --update or instructor add --db.
func TestUsageNamesEveryFlag(t *testing.T) {
	flagName := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	for _, cmd := range [][]string{{"instructor", "add"}, {"lti", "add-platform"}, {"lti", "platforms"}} {
		var out bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
		run(context.Background(), append(append([]string{}, cmd...), "--help"), e)
		flags := flagName.FindAllStringSubmatch(out.String(), -1)
		if len(flags) == 0 {
			t.Fatalf("%s --help lists no flags:\n%s", strings.Join(cmd, " "), out.String())
		}
		for _, f := range flags {
			if !strings.Contains(usage, "--"+f[1]) {
				t.Errorf("the usage does not name %s's flag --%s", strings.Join(cmd, " "), f[1])
			}
		}
	}
}
