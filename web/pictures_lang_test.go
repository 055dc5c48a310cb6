package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// A learner's last picture is kept per language: after switching to
// Spanish the page shows the picture in Spanish, not the English one the
// console last drew.
func TestPicturePerLanguage(t *testing.T) {
	ts := newServer(t)
	cookie := learnerCookie(t, ts.URL)
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read(t, conn) // hello
	if m := send(t, conn, `{"type":"cmd","line":"docker pull alpine:3.20"}`); m["type"] != "result" {
		t.Fatalf("pull: %v", m)
	}
	page := func(query string) string {
		req, err := http.NewRequest("GET", ts.URL+"/play"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readAll(res)
	}
	if en := page(""); !strings.Contains(en, "alpine") || !strings.Contains(en, "teaching copy") {
		t.Fatalf("the English page does not show the learner's picture with alpine")
	}
	es := page("?lang=es")
	if strings.Contains(es, "teaching copy") || !strings.Contains(es, "copia didáctica") {
		t.Errorf("the Spanish page shows the English picture")
	}
}
