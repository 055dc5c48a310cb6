package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// maxName bounds an accessible name: a control's name is what a screen
// reader says on every visit, so it is a label, not the content.
const maxName = 150

// interactiveRoles are the roles a learner operates; each needs a name.
var interactiveRoles = map[string]bool{
	"button": true, "link": true, "textbox": true, "tab": true, "checkbox": true, "radio": true,
	"combobox": true, "menuitem": true, "switch": true, "slider": true, "spinbutton": true, "searchbox": true,
	"DisclosureTriangle": true,
}

// auditJS checks in the page what the accessibility tree does not show:
// labels that do not contain the visible text (WCAG 2.5.3), lists whose
// children are not list items, text whose colour against the background it
// is drawn on is below 4.5:1 (3:1 when large), and focusable controls
// without a visible focus indicator. It returns one line per problem.
const auditJS = `(() => {
  const out = [];
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim().toLowerCase();
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "") + " \"" + norm(el.textContent).slice(0, 40) + "\"";
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  // Label in name.
  for (const el of document.querySelectorAll("button[aria-label], a[aria-label], [role=button][aria-label], [role=tab][aria-label], summary[aria-label]")) {
    const copy = el.cloneNode(true);
    copy.querySelectorAll("[aria-hidden=true]").forEach((h) => h.remove());
    const text = norm(copy.textContent);
    // Symbols alone (an arrow, a half moon) are not text a speech user
    // would say, so they need not be in the name.
    if (text && /[\p{L}\p{N}]/u.test(text) && !norm(el.getAttribute("aria-label")).includes(text)) out.push("label does not contain the visible text: " + describe(el) + " labelled " + JSON.stringify(el.getAttribute("aria-label")));
  }
  // Lists.
  for (const l of document.querySelectorAll("ul, ol")) {
    if (l.getAttribute("role") && l.getAttribute("role") !== "list") continue;
    for (const c of l.children) if (!["LI", "SCRIPT", "TEMPLATE"].includes(c.tagName)) out.push("list child that is not a list item: " + describe(c));
  }
  for (const li of document.querySelectorAll("li")) {
    const p = li.parentElement;
    if (!["UL", "OL", "MENU"].includes(p.tagName) && p.getAttribute("role") !== "list") out.push("list item outside a list: " + describe(li));
  }
  // Contrast of text against what it is drawn on.
  const parse = (c) => {
    let m = c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    m = c.match(/color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)/);
    if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
    return null;
  };
  const over = (top, under) => {
    const a = top[3];
    return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== "none" && !s.backgroundImage.startsWith("repeating-linear-gradient")) return null; // an image: not judged here
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || seen.has(el) || !shown(el)) continue;
    seen.add(el);
    if (el.closest("[disabled], [aria-disabled=true], [aria-hidden=true]")) continue;
    const s = getComputedStyle(el);
    let fg = parse(s.color);
    const bg = background(el);
    if (!fg || !bg) continue;
    fg = over([fg[0], fg[1], fg[2], fg[3] * (+s.opacity || 1)], bg);
    for (let e = el.parentElement; e; e = e.parentElement) { const o = +getComputedStyle(e).opacity; if (o < 1) fg = over([fg[0], fg[1], fg[2], o], bg); }
    const size = parseFloat(s.fontSize), bold = +s.fontWeight >= 700;
    const min = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const r = ratio(fg, bg);
    if (r < min - 0.01) out.push("contrast " + r.toFixed(2) + ":1 (want " + min + "): " + describe(el) + " " + s.color + " on " + bg.map(Math.round).join(","));
  }
  // A visible focus indicator on every focusable control.
  const focusable = [...document.querySelectorAll("a[href], button:not([disabled]), input:not([disabled]), textarea, select, summary, [tabindex]:not([tabindex='-1'])")].filter(shown);
  for (const el of focusable) {
    el.focus({ focusVisible: true });
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    // Chromium's own ring (outline-style auto) is visible; a custom one is 2px at least.
    const ring = s.outlineStyle === "auto" || (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow !== "none" && s.boxShadow !== "");
    if (!ring) out.push("no visible focus ring: " + describe(el));
  }
  if (document.activeElement) document.activeElement.blur();
  return out;
})()`

// a11yAudit checks the page as it stands in both themes: every interactive
// node of the accessibility tree has a short name, and the page passes
// auditJS.
func a11yAudit(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	// A headless window never has the system's focus; without emulating it
	// no :focus-visible style applies and no ring could be checked.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, theme := range []string{"light", "dark"} {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.theme = "`+theme+`"; document.documentElement.dataset.motion = "off"; true`)); err != nil {
			t.Fatal(err)
		}
		tree, err := chromedp.Call(ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		if err != nil {
			t.Fatalf("%s: reading the accessibility tree: %v", page, err)
		}
		names := 0
		for _, n := range tree.Nodes {
			if n.Ignored || n.Role == nil {
				continue
			}
			role, name := axString(n.Role), axString(n.Name)
			if !interactiveRoles[role] {
				continue
			}
			names++
			switch {
			case strings.TrimSpace(name) == "":
				t.Errorf("%s, %s theme: a %s has no accessible name", page, theme, role)
			case len([]rune(name)) > maxName:
				t.Errorf("%s, %s theme: a %s's name is %d characters (limit %d): %.80q…", page, theme, role, len([]rune(name)), maxName, name)
			}
		}
		if names == 0 {
			t.Errorf("%s: the accessibility tree shows no control at all", page)
		}
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](auditJS))
		if err != nil {
			t.Fatalf("%s: auditing: %v", page, err)
		}
		for _, p := range problems {
			t.Errorf("%s, %s theme: %s", page, theme, p)
		}
	}
}

func axString(v *accessibility.Value) string {
	if v == nil {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(v.Value), &s) != nil {
		return ""
	}
	return s
}

// TestBrowserAccessibility audits every kind of page a learner, an
// instructor, an instructor's embed, or a reader of a blog meets, in both
// themes; none of them asks the server for something it does not have (a
// 404 in the browser's console).
func TestBrowserAccessibility(t *testing.T) {
	ts := newServer(t)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	ctx := browser(t, 1280, 900)
	var mu sync.Mutex
	var failed []string
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				mu.Lock()
				failed = append(failed, fmt.Sprintf("%d %s", ev.Response.Status, ev.Response.URL))
				mu.Unlock()
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				mu.Lock()
				failed = append(failed, "console: "+ev.Entry.Text)
				mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	open := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+path)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range failed {
			t.Errorf("the browser met an error: %s", f)
		}
	})

	// The playground with a picture in it: three containers, a volume.
	open("/play")
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	typeCommand(t, ctx, "docker build -t pageturn .")
	waitFor(t, ctx, "the pageturn image", `[...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "pageturn:latest")`)
	typeCommand(t, ctx, "docker run -d --name web1 pageturn")
	typeCommand(t, ctx, "docker run -d --name web2 -v data:/data pageturn")
	typeCommand(t, ctx, "docker create --name web3 pageturn")
	waitFor(t, ctx, "three containers", `document.querySelectorAll('[data-testid="container"]').length === 3`)
	// Open what can be opened, so it is audited too.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('details').forEach(d => d.open = true); true`)); err != nil {
		t.Fatal(err)
	}
	a11yAudit(t, ctx, "/play")

	open("/lessons")
	waitFor(t, ctx, "the course", `!!document.querySelector('[data-testid="course"]')`)
	a11yAudit(t, ctx, "/lessons")

	open("/lessons/dockerfile-recipe")
	waitFor(t, ctx, "the lesson's console", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	a11yAudit(t, ctx, "/lessons/dockerfile-recipe")

	open("/embed/quiz/image-vs-container")
	waitFor(t, ctx, "the quiz", `!!document.querySelector('form')`)
	a11yAudit(t, ctx, "/embed/quiz/image-vs-container")

	open("/embed/viz?dockerfile=" + url.QueryEscape("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN rm -rf /usr/share/doc\n"))
	waitFor(t, ctx, "the mini visualizer", `!!document.querySelector('[data-testid="viz"], .viz')`)
	a11yAudit(t, ctx, "/embed/viz")

	// The instructor's pages: the login, the dashboard, a class, and the
	// page its join link opens.
	open("/instructor")
	waitFor(t, ctx, "the login form", `!!document.querySelector('[data-testid="login-form"]')`)
	a11yAudit(t, ctx, "/instructor (login)")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "teacher@example.org"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct horse battery"+kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the dashboard", `!!document.querySelector('[data-testid="new-class"]')`)
	a11yAudit(t, ctx, "/instructor (dashboard)")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="new-class"] input[name="name"]`), "Monday group"+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the class", `location.search.startsWith("?class=") && !!document.querySelector('[data-testid="join-link"]')`)
	a11yAudit(t, ctx, "/instructor?class= (a class)")
	join := evalString(t, ctx, `document.querySelector('[data-testid="join-link"]').textContent`)
	if err := chromedp.Do(ctx, chromedp.Navigate(join)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the join page", `!!document.querySelector('[data-testid="join-form"]')`)
	a11yAudit(t, ctx, "/join/{code}")
}

// TestBrowserThemeEverywhere: the theme chosen with the toggle on the
// playground holds on an embed and in the instructor area, and the
// instructor area's own toggle switches it back.
func TestBrowserThemeEverywhere(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1024, 768)
	dark := `getComputedStyle(document.body).colorScheme === "dark" || getComputedStyle(document.documentElement).colorScheme === "dark"`
	bg := `getComputedStyle(document.body).backgroundColor`
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the toggle", `!!document.querySelector('[data-testid="theme-toggle"]')`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`localStorage.setItem("layerlab-theme", "light"); setTimeout(() => location.reload()); true`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the light playground", `document.documentElement.dataset.theme === "light" && document.readyState === "complete"`)
	click(t, ctx, `[data-testid="theme-toggle"]`)
	waitFor(t, ctx, "the dark playground", `document.documentElement.dataset.theme === "dark" && document.querySelector('[data-testid="theme-toggle"]').getAttribute("aria-pressed") === "true"`)
	for _, path := range []string{"/embed/quiz/image-vs-container", "/embed/viz?dockerfile=FROM+alpine:3.20", "/instructor"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+path)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, path+" in the dark theme", `document.readyState === "complete" && document.documentElement.dataset.theme === "dark" && (`+dark+`)`)
		if got := evalString(t, ctx, bg); got == "rgb(255, 255, 255)" {
			t.Errorf("%s stays white in the dark theme", path)
		}
	}
	// The instructor area has its own toggle.
	click(t, ctx, `.instructor-top [data-testid="theme-toggle"]`)
	waitFor(t, ctx, "the light instructor area", `document.documentElement.dataset.theme === "light" && localStorage.getItem("layerlab-theme") === "light" && document.querySelector('[data-testid="theme-toggle"]').getAttribute("aria-pressed") === "false"`)
}
