package web_test

import (
	"io"
	"net/http"
	"regexp"
	"testing"
)

// TestPageWeight keeps the playground and a lesson page, with everything
// they load (CSS, JavaScript, the icon), under the budget of 250 KB
// uncompressed.
func TestPageWeight(t *testing.T) {
	ts := newServer(t)
	size := func(path string) []byte {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return b
	}
	for _, path := range []string{"/play", "/lessons/layers-and-cache"} {
		page := size(path)
		total := len(page)
		for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllSubmatch(page, -1) {
			total += len(size(string(m[1])))
		}
		t.Logf("%s page weight: %d bytes (HTML %d)", path, total, len(page))
		if total > 250<<10 {
			t.Errorf("%s: page weight %d bytes, over the 250 KB budget", path, total)
		}
	}
}
