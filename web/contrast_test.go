package web_test

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestColourTokensContrast reads the colour tokens of app.css, light and
// dark, and checks every pair the pages draw text or controls with against
// WCAG 2.2: 4.5:1 for text, 3:1 for the edges of controls and the shapes
// that carry meaning (layer borders, the writable layer's dashes, focus).
func TestColourTokensContrast(t *testing.T) {
	css, err := os.ReadFile("../static/css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	light, dark := themeTokens(t, string(css))
	text := [][2]string{
		{"ink", "bg"}, {"ink", "panel"}, {"muted", "bg"}, {"muted", "panel"},
		{"accent-ink", "panel"}, {"accent-ink", "bg"},
		{"base-ink", "base-layer"}, {"built-ink", "built-layer"}, {"ink", "writable"}, {"muted", "writable"},
		{"bad", "panel"}, {"ok", "panel"}, {"ok", "writable"}, {"bad", "bg"},
		{"console-ink", "console-bg"},
		{"waste-ink", "built-layer"}, {"waste-ink", "base-layer"}, {"waste-ink", "panel"},
	}
	ui := [][2]string{
		{"accent", "panel"}, {"accent", "bg"}, // focus rings
		{"writable-line", "panel"}, {"writable-line", "writable"},
		{"base-ink", "panel"}, {"built-line", "panel"}, {"base-line", "panel"}, {"vol-line", "panel"}, {"muted", "panel"},
	}
	for name, tokens := range map[string]map[string]string{"light": light, "dark": dark} {
		check := func(pairs [][2]string, min float64) {
			for _, p := range pairs {
				fg, bg := tokens[p[0]], tokens[p[1]]
				if fg == "" || bg == "" {
					t.Errorf("%s theme: no --%s or --%s token", name, p[0], p[1])
					continue
				}
				if r := contrast(t, fg, bg); r < min {
					t.Errorf("%s theme: --%s %s on --%s %s is %.2f:1, want at least %.1f:1", name, p[0], fg, p[1], bg, r, min)
				}
			}
		}
		check(text, 4.5)
		check(ui, 3)
	}
}

// themeTokens returns the light tokens (the first :root block) and the dark
// ones (the light ones overridden by the :root[data-theme="dark"] block).
func themeTokens(t *testing.T, css string) (light, dark map[string]string) {
	decl := regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})\b`)
	block := func(start string) string {
		i := strings.Index(css, start)
		if i < 0 {
			t.Fatalf("app.css has no %s block", start)
		}
		j := strings.Index(css[i:], "}")
		return css[i : i+j]
	}
	light, dark = map[string]string{}, map[string]string{}
	for _, m := range decl.FindAllStringSubmatch(block(":root {"), -1) {
		light[m[1]], dark[m[1]] = m[2], m[2]
	}
	for _, m := range decl.FindAllStringSubmatch(block(`:root[data-theme="dark"] {`), -1) {
		dark[m[1]] = m[2]
	}
	// The system-dark block must say the same as the toggle's.
	for _, m := range decl.FindAllStringSubmatch(block(`:root:not([data-theme="light"]) {`), -1) {
		if dark[m[1]] != m[2] {
			t.Errorf("--%s is %s in the system dark theme but %s in the toggled one", m[1], m[2], dark[m[1]])
		}
	}
	return light, dark
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG's relative luminance of a #rrggbb colour.
func luminance(t *testing.T, hex string) float64 {
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("bad colour %s", hex)
		}
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func TestContrastFormula(t *testing.T) {
	// WCAG's own extremes and a known middle grey.
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#777777", "#ffffff", 4.48},
		{"#ffffff", "#ffffff", 1},
	} {
		if got := contrast(t, c.a, c.b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}
