package web

import (
	"strings"
	"testing"
	"time"
)

// The deep-linking context a picker carries is accepted only as the
// server signed it, and only until it expires; nothing else a client
// sends is taken for one, and nothing makes it panic.
func FuzzDLContext(f *testing.F) {
	s := &Server{key: []byte("0123456789abcdef0123456789abcdef"), now: time.Now}
	good := s.signDLContext(dlContext{Platform: 1, Deployment: "d", ReturnURL: "https://lms.example/return", Expires: time.Now().Add(time.Hour).Unix()})
	f.Add(good)
	f.Add(strings.Replace(good, "ey", "eY", 1))
	f.Add("")
	f.Add(".")
	f.Add("e30." + strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, raw string) {
		dc, ok := s.readDLContext(raw)
		if !ok {
			return
		}
		// Its signature covers the exact bytes it came as.
		if v, sig, _ := strings.Cut(raw, "."); sig != s.mac("lti-deep-link", v) {
			t.Fatalf("accepted %q, which the server did not sign", raw)
		}
		if dc.Expires < time.Now().Unix() {
			t.Fatalf("accepted an expired context %+v", dc)
		}
	})
}

func TestScoresURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://lms.example/api/lti/courses/1/line_items/2", "https://lms.example/api/lti/courses/1/line_items/2/scores"},
		{"https://lms.example/lineitems/2/", "https://lms.example/lineitems/2/scores"},
		{"https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1", "https://lms.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"},
		{"ftp://lms.example/x", ""},
		{"/relative", ""},
		{"", ""},
	} {
		got, err := scoresURL(tc.in)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("scoresURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
