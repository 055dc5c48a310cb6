package web_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSwitchLanguage: a learner on an English lesson page reaches
// the language switcher with the keyboard, picks Español, and reads the
// lesson, its knowledge check and the quiz's feedback in Spanish; the
// choice holds after a reload and on the next page, and German works the
// same way. With LAYERLAB_SCREENSHOTS=docs it saves the Spanish lesson.
func TestBrowserSwitchLanguage(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/images-and-containers")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the English lesson", `document.documentElement.lang === "en" && document.querySelector("h1").textContent === "An image at rest, a container running"`)
	if got := evalString(t, ctx, `document.querySelector('[data-testid="lang-switch"]').getAttribute("aria-label")`); got != "Language" {
		t.Errorf("the switcher is labelled %q, want Language", got)
	}
	if got := evalString(t, ctx, `document.querySelector('[data-testid="lang-switch"] [aria-current]').textContent`); got != "English" {
		t.Errorf("the current language is marked %q", got)
	}

	// By keyboard: Tab to Español, Enter.
	tabTo(t, ctx, `[data-testid="lang-switch"] a[data-lang="es"]`)
	pressKeys(t, ctx, kb.Enter)
	waitFor(t, ctx, "the Spanish lesson", `document.documentElement.lang === "es" && document.querySelector("h1").textContent === "Una imagen en reposo, un contenedor en marcha"`)
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "conectado"`)
	for what, js := range map[string]string{
		"the first step":      `document.querySelector('[data-testid="step"] h2').textContent === "Paso 1: Construye la imagen"`,
		"the nav":             `document.querySelector('header nav a[href="/lessons"]').textContent === "Lecciones"`,
		"the knowledge check": `document.querySelector('.knowledge-check h2').textContent === "Comprobación de conocimientos"`,
		"the quiz title":      `document.querySelector('.quiz-title').textContent === "¿Imagen o contenedor?"`,
		"the switcher":        `document.querySelector('[data-testid="lang-switch"]').getAttribute("aria-label") === "Idioma" && document.querySelector('[data-testid="lang-switch"] [aria-current]').textContent === "Español"`,
		"a button":            `document.querySelector('[data-testid="hint-button"]').textContent === "Pista"`,
		"a type button":       `getComputedStyle(document.querySelector('[data-testid="type-button"]'), "::after").content === '"escríbelo"'`,
	} {
		if !evalBool(t, ctx, js) {
			t.Errorf("%s is not in Spanish", what)
		}
	}
	// The console's sentences are Spanish; what Docker prints stays as
	// Docker prints it.
	typeCommand(t, ctx, "docker build -t pageturn .")
	waitFor(t, ctx, "the Spanish narration", `document.querySelector('[data-testid="narration"]').textContent.startsWith("pageturn:latest construida")`)
	waitFor(t, ctx, "the Spanish step flash", `document.querySelector('[data-testid="step-flash"]').textContent.includes("Paso 1 hecho")`)
	if !evalBool(t, ctx, `document.querySelector('[data-testid="console-output"]').textContent.includes("naming to")`) {
		t.Error("the build's own output is not Docker's")
	}
	// The picture the console redraws speaks Spanish too: its chrome,
	// not only the page around it.
	waitFor(t, ctx, "the redrawn picture", `document.querySelector('[data-testid="image"]') !== null`)
	for what, js := range map[string]string{
		"the host":         `document.querySelector('[data-testid="host"]').textContent.includes("anfitrión")`,
		"the image kind":   `document.querySelector('.image-kind').textContent === "imagen"`,
		"the teaching tag": `document.querySelector('.teaching').textContent === "copia didáctica"`,
		"show layers":      `getComputedStyle(document.querySelector('.base > summary'), '::after').content === '"ver capas ▾"'`,
		"the disk meter":   `document.querySelector('.disk-title').textContent === "Disco, tal como docker system df lo cuenta"`,
		"the words":        `document.querySelector('[data-testid="viz-text"] summary').textContent === "El dibujo en palabras"`,
	} {
		if !evalBool(t, ctx, js) {
			t.Errorf("in the picture, %s is not in Spanish", what)
		}
	}
	if dir := os.Getenv("LAYERLAB_SCREENSHOTS"); dir != "" {
		// The settled picture, not a frame of an animation.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.motion = "off"; true`)); err != nil {
			t.Fatal(err)
		}
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "lesson-es.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Answer a question: the feedback and the running score are Spanish.
	q := `#q-image-vs-container-same-thing`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('`+q+`').scrollIntoView({block: "center"}); 0`)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, q+` input[value="true"]`)
	click(t, ctx, q+` [data-testid="quiz-check"]`)
	waitFor(t, ctx, "Spanish feedback", `document.querySelector('`+q+` [data-testid="quiz-result"]').textContent.includes("No del todo") && document.querySelector('`+q+` [data-testid="quiz-result"]').textContent.includes("Son dos estados")`)
	waitFor(t, ctx, "the Spanish score", `document.querySelector('[data-testid="quiz-score"]').textContent.includes("respondidas")`)
	// The answer names the lesson it was given in (the quiz ends two).
	if got, err := ts.db.Answers(context.Background(), "image-vs-container"); err != nil || len(got) != 1 || got[0].Lesson != "images-and-containers" || got[0].Source != "lesson" {
		t.Errorf("stored answers %+v (%v), want one from the lesson images-and-containers", got, err)
	}

	// A reload keeps Spanish, though the address no longer says so...
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/images-and-containers")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "Spanish after a reload", `document.documentElement.lang === "es" && document.querySelector("h1").textContent === "Una imagen en reposo, un contenedor en marcha"`)
	// ...and so does the next page, and the quiz remembers the answer.
	if !evalBool(t, ctx, `document.querySelector('#q-image-vs-container-same-thing').dataset.result === "wrong"`) {
		t.Error("the answered question is not remembered after the reload")
	}
	click(t, ctx, `header nav a[href="/lessons"]`)
	waitFor(t, ctx, "the Spanish course", `document.documentElement.lang === "es" && document.querySelector("h1").textContent === "El curso"`)

	// Deutsch, by a click this time.
	click(t, ctx, `[data-testid="lang-switch"] a[data-lang="de"]`)
	waitFor(t, ctx, "the German course", `document.documentElement.lang === "de" && document.querySelector("h1").textContent === "Der Kurs"`)
	click(t, ctx, `a[href="/lessons/processes"]`)
	waitFor(t, ctx, "the German lesson", `document.querySelector("h1").textContent === "Ein Container ist ein Prozess, keine kleine Maschine" && document.querySelector('.quiz-title').textContent === "Prozesse, keine Maschinen"`)
}
