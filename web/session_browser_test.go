package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserShellSession: docker run -it alpine sh turns the console into
// the container's shell: the prompt shows the shell's directory, cd and
// variables carry over, and exit 3 gives the console back with the
// container exited with 3.
func TestBrowserShellSession(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	typeCommand(t, ctx, "docker run -it --name box alpine sh")
	waitFor(t, ctx, "the shell's prompt", `document.getElementById("prompt").textContent === "/ #"`)
	typeCommand(t, ctx, "cd /etc")
	waitFor(t, ctx, "the prompt to follow cd", `document.getElementById("prompt").textContent === "/etc #"`)
	typeCommand(t, ctx, "NAME=box; echo hello from $NAME in $(pwd)")
	waitFor(t, ctx, "the variable and the directory kept", `document.querySelector('[data-testid="console-output"]').textContent.includes("hello from box in /etc")`)
	typeCommand(t, ctx, "exit 3")
	waitFor(t, ctx, "the console's own prompt back", `document.getElementById("prompt").textContent === "$"`)
	typeCommand(t, ctx, `docker ps -a --format "{{.Names}} {{.Status}}"`)
	waitFor(t, ctx, "the container exited with 3", `document.querySelector('[data-testid="console-output"]').textContent.includes("box Exited (3)")`)
}
