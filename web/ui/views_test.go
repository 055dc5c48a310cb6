package ui

import "testing"

// A narrow box breaks a reference at its slash or its tag, and a name
// stays escaped.
func TestBreakable(t *testing.T) {
	for in, want := range map[string]string{
		"pageturn":              "pageturn",
		"pageturn:latest":       "pageturn<wbr>:latest",
		"learner/pageturn:1.0":  "learner/<wbr>pageturn<wbr>:1.0",
		"a/b@sha256:ab":         "a/<wbr>b<wbr>@sha256<wbr>:ab",
		"<none>":                "&lt;none&gt;",
		"registry:5000/x/<y>:1": "registry<wbr>:5000/<wbr>x/<wbr>&lt;y&gt;<wbr>:1",
	} {
		if got := breakable(in); got != want {
			t.Errorf("breakable(%q) = %q, want %q", in, got, want)
		}
	}
}
