package main

import "testing"

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"7.88.1-10+deb12u5", "7.88.1-10+deb12u15", -1},
		{"1.0~rc1", "1.0", -1},
		{"1:1.0", "2.0", 1},
		{"2.36-9+deb12u7", "2.36-9+deb12u7", 0},
		{"1.0a", "1.0+", -1},
		{"3.0.15-1~deb12u1", "3.0.14-1~deb12u2", 1},
	} {
		if got := compareVersions(c.a, c.b); got != c.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
