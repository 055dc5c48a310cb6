package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func getWith(t *testing.T, client *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// curl -H 'Accept-Language: es' /lessons serves the course in Spanish.
func TestLessonsInSpanishByAcceptLanguage(t *testing.T) {
	ts := newServer(t)
	res, body := getWith(t, http.DefaultClient, ts.URL+"/lessons", "Accept-Language", "es-ES,es;q=0.9,en;q=0.5")
	if res.StatusCode != 200 || !strings.Contains(body, `<html lang="es"`) {
		t.Fatalf("%d, want <html lang=\"es\">: %.300s", res.StatusCode, body)
	}
	for _, want := range []string{"<title>Lecciones · layerlab</title>", "<h1>El curso</h1>", "Una imagen en reposo, un contenedor en marcha", "de 5 pasos", `aria-label="Idioma"`} {
		if !strings.Contains(body, want) {
			t.Errorf("Spanish course page lacks %q", want)
		}
	}
	if res.Header.Get("Content-Language") != "es" || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Language") {
		t.Errorf("headers: Content-Language %q, Vary %q", res.Header.Get("Content-Language"), res.Header.Values("Vary"))
	}
	for _, c := range res.Cookies() {
		if c.Name == "lang" {
			t.Error("Accept-Language alone sets a language cookie")
		}
	}
	_, body = getWith(t, http.DefaultClient, ts.URL+"/lessons", "Accept-Language", "fr-FR")
	if !strings.Contains(body, `<html lang="en"`) || !strings.Contains(body, "<h1>The course</h1>") {
		t.Errorf("a language we do not speak is not English: %.200s", body)
	}
}

// ?lang= wins and is remembered; the cookie beats Accept-Language; an
// unknown ?lang= changes nothing.
func TestLanguageChoicePersists(t *testing.T) {
	ts := newServer(t)
	cl := learnerClient(t)
	res, body := getWith(t, cl, ts.URL+"/lessons/processes?lang=de", "Accept-Language", "es")
	if !strings.Contains(body, `<html lang="de"`) || !strings.Contains(body, "Ein Container ist ein Prozess, keine kleine Maschine") {
		t.Fatalf("?lang=de: %.300s", body)
	}
	var set *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "lang" {
			set = c
		}
	}
	if set == nil || set.Value != "de" || set.Path != "/" || set.MaxAge <= 0 || set.SameSite != http.SameSiteLaxMode {
		t.Fatalf("lang cookie: %+v", set)
	}
	_, body = getWith(t, cl, ts.URL+"/lessons", "Accept-Language", "es")
	if !strings.Contains(body, `<html lang="de"`) || !strings.Contains(body, "Der Kurs") {
		t.Errorf("the cookie did not beat Accept-Language: %.200s", body)
	}
	res, body = getWith(t, cl, ts.URL+"/lessons?lang=xx", "Accept-Language", "es")
	if !strings.Contains(body, `<html lang="de"`) {
		t.Errorf("?lang=xx changed the language: %.200s", body)
	}
	for _, c := range res.Cookies() {
		if c.Name == "lang" {
			t.Errorf("?lang=xx set a cookie %q", c.Value)
		}
	}
	// An embed follows ?lang= but never sets a cookie: caches share it.
	res, body = getWith(t, http.DefaultClient, ts.URL+"/embed/quiz/processes?lang=es")
	if !strings.Contains(body, `<html lang="es"`) || len(res.Cookies()) > 0 {
		t.Errorf("embed with ?lang=es: cookies %v, %.200s", res.Cookies(), body)
	}
	_, body = getWith(t, cl, ts.URL+"/lessons?lang=en")
	if !strings.Contains(body, `<html lang="en"`) {
		t.Errorf("?lang=en: %.200s", body)
	}
}

// Every page says which language it is in; the instructor area is English.
func TestHTMLLangOnEveryPage(t *testing.T) {
	ts := newServer(t)
	for _, path := range []string{"/", "/play", "/lessons", "/lessons/glossary", "/lessons/run-and-exec", "/embed/quiz/processes",
		"/embed/viz?dockerfile=" + url.QueryEscape("FROM alpine:3.20\n"), "/no/such/page", "/embed/quiz/processes/questions"} {
		res, body := getWith(t, http.DefaultClient, ts.URL+path, "Accept-Language", "de")
		if strings.Contains(path, "/questions") {
			if !strings.Contains(body, "Prozesse, keine Maschinen") || !strings.Contains(body, "Prüfen") {
				t.Errorf("%s: the embedded questions are not German: %.300s", path, body)
			}
			continue
		}
		if !strings.Contains(body, `<html lang="de"`) {
			t.Errorf("%s (%d): no <html lang=\"de\">: %.200s", path, res.StatusCode, body)
		}
	}
	res, body := getWith(t, http.DefaultClient, ts.URL+"/no/such/page", "Accept-Language", "es")
	if res.StatusCode != 404 || !strings.Contains(body, "<h1>No encontrado</h1>") || !strings.Contains(body, "No hay ninguna página en /no/such/page.") {
		t.Errorf("Spanish 404: %d %.600s", res.StatusCode, body)
	}
	_, body = getWith(t, http.DefaultClient, ts.URL+"/instructor/login?lang=de", "Accept-Language", "de")
	if !strings.Contains(body, `<html lang="en"`) || !strings.Contains(body, "Instructor login") {
		t.Errorf("the instructor area is not English with lang=en: %.200s", body)
	}
}

// The lesson page reads in Spanish, its knowledge check too, and an
// answer's feedback comes back in the language the page asked for.
func TestSpanishLessonAndQuiz(t *testing.T) {
	ts := newServer(t)
	cl := learnerClient(t)
	_, body := getWith(t, cl, ts.URL+"/lessons/images-and-containers?lang=es")
	for _, want := range []string{
		"<h1>Una imagen en reposo, un contenedor en marcha</h1>", "Objetivo:", "Paso 1: Construye la imagen",
		"La orden es docker build", "¿Imagen o contenedor?", "Comprobación de conocimientos", "Pregunta 1 de 9.",
		`<option value="">elige…</option>`, `id="ui-strings"`, `"quiz.correct":"Correcto."`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("Spanish lesson page lacks %q", want)
		}
	}
	// Commands stay commands.
	if !strings.Contains(body, "docker build -t pageturn .") {
		t.Error("the lesson's command is missing")
	}
	status, out := postWith(t, cl, ts.URL+"/api/quizzes/image-vs-container/questions/same-thing/answers?source=lesson&lang=es", "application/json", `{"client_id":"es1","answer":true}`)
	if status != 200 || out["correct"] != false || !strings.Contains(out["feedback"].(string), "Son dos estados del mismo origen") {
		t.Errorf("Spanish answer: %d %v", status, out)
	}
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "lang=de")
	status, out = postWith(t, cl, ts.URL+"/api/quizzes/image-vs-container/questions/sort-properties/answers?lang=de", "application/json",
		`{"client_id":"de1","answer":{`+
			pick(t, ids, "sort-properties", "Schreibgeschützte")+`:"Image",`+
			pick(t, ids, "sort-properties", "Hat eine")+`:"Container",`+
			pick(t, ids, "sort-properties", "Kann laufen")+`:"Container",`+
			pick(t, ids, "sort-properties", "Wird in eine")+`:"Image",`+
			pick(t, ids, "sort-properties", "Wird von")+`:"Container"}}`)
	if status != 200 || out["correct"] != true {
		t.Errorf("German matching with German categories: %d %v", status, out)
	}
}

var ogRE = regexp.MustCompile(`<meta property="og:([a-z_]+)" content="([^"]*)"`)

// Lesson, quiz and share pages carry Open Graph tags and point to their
// oEmbed answer, so a pasted link unfurls.
func TestShareCards(t *testing.T) {
	ts := newServer(t)
	_, body := get(t, ts.URL+"/lessons/processes")
	og := map[string]string{}
	for _, m := range ogRE.FindAllStringSubmatch(body, -1) {
		og[m[1]] = m[2]
	}
	if og["title"] != "A container is a process, not a small machine" || og["url"] != ts.URL+"/lessons/processes" ||
		og["type"] != "website" || !strings.HasPrefix(og["description"], "docker top shows") || og["site_name"] != "layerlab" {
		t.Errorf("lesson og: %v", og)
	}
	m := regexp.MustCompile(`<link rel="alternate" type="application/json\+oembed" href="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no oEmbed discovery link on the lesson page")
	}
	res, oe := get(t, strings.ReplaceAll(m[1], "&amp;", "&"))
	var o map[string]any
	if err := json.Unmarshal([]byte(oe), &o); err != nil || res.StatusCode != 200 || o["type"] != "link" || o["title"] != "A container is a process, not a small machine" || o["version"] != "1.0" {
		t.Errorf("lesson oEmbed: %d %s", res.StatusCode, oe)
	}
	// The same card in German, for a link that asks for German.
	_, oe = get(t, ts.URL+"/oembed?url="+url.QueryEscape(ts.URL+"/lessons/processes?lang=de"))
	if !strings.Contains(oe, "Ein Container ist ein Prozess") {
		t.Errorf("German lesson oEmbed: %s", oe)
	}

	_, body = get(t, ts.URL+"/embed/quiz/processes")
	if !strings.Contains(body, `<meta property="og:title" content="Processes, not machines">`) ||
		!strings.Contains(body, `type="application/json+oembed" href="`+ts.URL+`/oembed?format=json&amp;url=`+url.QueryEscape(ts.URL+"/embed/quiz/processes")+`"`) {
		t.Errorf("quiz page tags: %.900s", body)
	}
	_, oe = get(t, ts.URL+"/oembed?url="+url.QueryEscape(ts.URL+"/embed/quiz/processes"))
	if !strings.Contains(oe, `"type":"rich"`) {
		t.Errorf("quiz oEmbed: %s", oe)
	}

	_, oe = get(t, ts.URL+"/oembed?url="+url.QueryEscape(ts.URL+"/play?share=0123456789abcdef"))
	if !strings.Contains(oe, `"title":"A shared layerlab session"`) {
		t.Errorf("share oEmbed: %s", oe)
	}
	for _, bad := range []string{"/play?share=nothex", "/lessons/nope", "/elsewhere", "/lessons/" + strings.Repeat("a", 3000)} {
		if res, oe := get(t, ts.URL+"/oembed?url="+url.QueryEscape(ts.URL+bad)); res.StatusCode != 400 {
			t.Errorf("oembed %s: %d %s, want 400", bad, res.StatusCode, oe)
		}
	}
	if !strings.Contains(body, `<link rel="alternate" hreflang="de" href="`+ts.URL+`/embed/quiz/processes?lang=de">`) {
		t.Errorf("no hreflang alternates on the quiz page")
	}
	if res, _ := get(t, ts.URL+"/static/css/app.css"); res.Header.Get("Content-Language") != "" || len(res.Header.Values("Vary")) > 0 {
		t.Errorf("static files vary by language: %v", res.Header)
	}
	_, body = get(t, ts.URL+"/play")
	if !strings.Contains(body, `<meta property="og:url" content="`+ts.URL+`/play">`) {
		t.Errorf("playground has no og:url")
	}
}

// What a lesson file says is escaped in the tags, never markup.
func TestShareCardsEscape(t *testing.T) {
	dir := t.TempDir()
	lesson := strings.Replace(strings.Replace(goodLesson, `title: "A tiny lesson"`, `title: "Tiny \"><script>alert(1)</script>"`, 1),
		`summary: "Pull nothing, run one thing."`, `summary: "a' onmouseover='x & <b>"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "01-tiny.md"), []byte(lesson), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, _ := lessonServer(t, dir, false)
	_, body := get(t, ts.URL+"/lessons/tiny")
	if strings.Contains(body, "<script>alert") || strings.Contains(body, `content="a' onmouseover`) && !strings.Contains(body, "&#39;") {
		t.Errorf("unescaped: %.1500s", body)
	}
	if !strings.Contains(body, `<meta property="og:title" content="Tiny &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">`) {
		t.Errorf("og:title not escaped as expected: %s", ogRE.FindAllString(body, -1))
	}
}

// An LMS launch opens the lesson in the LMS user's language (the LTI
// launch_presentation locale), and remembers it; a language layerlab does
// not speak leaves the choice to the browser.
func TestLTILaunchInLMSLanguage(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	for _, tc := range []struct{ locale, lang, title string }{
		{"es-419", "es", "<h1>Una imagen en reposo, un contenedor en marcha</h1>"},
		{"de-DE", "de", "<h1>Ein Image in Ruhe, ein Container in Betrieb</h1>"},
		{"fr-FR", "en", "<h1>An image at rest, a container running</h1>"},
	} {
		p.mu.Lock()
		p.mutate = func(c map[string]any) {
			c["https://purl.imsglobal.org/spec/lti/claim/launch_presentation"] = map[string]any{"document_target": "iframe", "locale": tc.locale}
		}
		p.mu.Unlock()
		cl := learnerClient(t)
		res, body := launch(t, cl, ts, login(t, cl, p, "resource "+ts.URL+"/lessons/"+ltiLesson, ""))
		if res.StatusCode != 200 || !strings.Contains(body, `<html lang="`+tc.lang+`"`) || !strings.Contains(body, tc.title) {
			t.Errorf("locale %s: ended at %s with %d, want %s: %.300s", tc.locale, res.Request.URL, res.StatusCode, tc.lang, body)
		}
	}
	p.mu.Lock()
	p.mutate = nil
	p.mu.Unlock()
	checkNoProblems(t, p)
}

// A lesson not translated yet says so on a Spanish page, and its text is
// marked English for screen readers; a translated one is not.
func TestUntranslatedLessonSaysSo(t *testing.T) {
	ts := newServer(t)
	_, body := getWith(t, http.DefaultClient, ts.URL+"/lessons/volumes?lang=es")
	if !strings.Contains(body, `data-testid="lesson-untranslated"`) || !strings.Contains(body, "Esta lección aún no está traducida") {
		t.Errorf("an English lesson on a Spanish page does not say so: %.300s", body)
	}
	if !strings.Contains(body, `<h1 lang="en">`) || !strings.Contains(body, `class="lesson-narrative" lang="en"`) {
		t.Error("an English lesson's text on a Spanish page is not marked lang=\"en\"")
	}
	if !strings.Contains(body, `<meta property="og:locale" content="en_US">`) {
		t.Error("an English lesson's link card on a Spanish page does not say it is English")
	}
	for _, u := range []string{"/lessons/images-and-containers?lang=es", "/lessons/volumes?lang=en"} {
		_, body := getWith(t, http.DefaultClient, ts.URL+u)
		if strings.Contains(body, `data-testid="lesson-untranslated"`) || strings.Contains(body, `<h1 lang=`) {
			t.Errorf("%s: marked untranslated", u)
		}
	}
}
