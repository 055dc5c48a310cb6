package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserScreenshots takes the pictures in docs/ (make screenshots): the
// playground with three containers from one image, a volume, a commit and
// a push to the server host, and a lesson with its goal picture, each at
// 1440, 1024 and 360 px,
// light and dark. It runs only when LAYERLAB_SCREENSHOTS names a directory.
func TestBrowserScreenshots(t *testing.T) {
	dir := os.Getenv("LAYERLAB_SCREENSHOTS")
	if dir == "" {
		t.Skip("LAYERLAB_SCREENSHOTS is not set: no screenshots to take")
	}
	ts := newServer(t)
	ctx := browser(t, 1440, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
	for _, line := range []string{
		"docker build -t pageturn .",
		"docker run -d --name web1 -p 8000:8000 pageturn",
		"docker run -d --name web2 pageturn",
		"docker run -d --name web3 -v shelf:/data pageturn",
		`docker exec web2 sh -c "echo '# tuned' >> /app/app.py"`,
		"docker commit web2 pageturn:tuned",
		"docker pause web2",
		"docker tag pageturn learner/pageturn:1.0",
		"docker push learner/pageturn:1.0",
		"docker context use server",
		"docker pull learner/pageturn:1.0",
		"docker run -d --name api learner/pageturn:1.0",
		"docker context use laptop",
		"docker stop web1",
		"docker start web1",
	} {
		typeCommand(t, ctx, line)
	}
	waitFor(t, ctx, "the server host", `!!document.querySelector('[data-testid="host-panel"][data-name="server"] [data-testid="container"][data-name="api"]') && document.querySelector('[data-testid="narration"]').textContent.includes("web1")`)
	shots(t, ctx, dir, "playground")

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	// The capstone's second step: its goal (three replicas of pageturn:1)
	// drawn above the learner's picture, one replica in.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/capstone")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the lesson's console", `document.getElementById("console-form").dataset.ready === "true"`)
	typeCommand(t, ctx, "docker build -t pageturn:1 .")
	typeCommand(t, ctx, "docker run -d --name web1 -p 8001:8000 pageturn:1")
	waitFor(t, ctx, "a container and the step's goal", `document.querySelectorAll('#viz [data-testid="container"]').length >= 1 && !document.querySelector('[data-testid="goal"][data-step="1"]').hidden`)
	shots(t, ctx, dir, "lesson")
}

// shots saves what the viewport shows, settled (no animation), at three
// widths in both themes: NAME-THEME-WIDTH.png.
func shots(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.motion = "off"; true`)); err != nil {
		t.Fatal(err)
	}
	for _, theme := range []string{"light", "dark"} {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.theme = "`+theme+`"; true`)); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int64{1440, 1024, 360} {
			h := int64(900)
			if w == 360 {
				h = 780
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
				t.Fatal(err)
			}
			// On a phone the picture is what the shot is for.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
				const tab = document.getElementById("tab-picture");
				if (tab && innerWidth <= 760) tab.click();
				if (tab && innerWidth > 760) document.getElementById("tab-console").click();
				const out = document.getElementById("console-output"); if (out) out.scrollTop = out.scrollHeight;
				return true; })()`)); err != nil {
				t.Fatal(err)
			}
			b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", name, theme, w)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
}
