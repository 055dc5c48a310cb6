package web

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// clipSlow is what clip computes, written the obvious way.
func clipSlow(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func FuzzClip(f *testing.F) {
	for _, s := range []string{"", " ", "a", "RUN  apt-get   update &&\\n\\tapt-get install -y curl", "héllo wörld ✓ ✓", "a b", "ab ", strings.Repeat("x ", 100)} {
		f.Add(s, 3)
		f.Add(s, 90)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 500 || !utf8.ValidString(s) {
			return
		}
		if got, want := clip(s, n), clipSlow(s, n); got != want {
			t.Fatalf("clip(%q, %d) = %q, want %q", s, n, got, want)
		}
	})
}

func BenchmarkClipBaseLayer(b *testing.B) {
	script := strings.Repeat("set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates netbase tzdata; ", 30)
	b.ReportAllocs()
	for b.Loop() {
		clip(script, maxBaseInstruction)
	}
}
