package web_test

import (
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkPageInteractive loads the playground and a lesson in headless
// Chromium over loopback and reports how long until the page is
// interactive (the navigation timing's domInteractive) and until the
// console is connected, the median of the loads.
func BenchmarkPageInteractive(b *testing.B) {
	if _, err := exec.LookPath("chromium"); err != nil {
		b.Fatal("Chromium not found: run make test, which installs it")
	}
	ts := newServer(b)
	for _, page := range []string{"/play", "/lessons/writable-layer"} {
		b.Run(page, func(b *testing.B) {
			ctx := browser(b, 1440, 1000)
			var interactive, connected []float64
			for i := 0; i < b.N || len(interactive) < 5; i++ {
				start := time.Now()
				if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+page)); err != nil {
					b.Fatal(err)
				}
				ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByType("navigation")[0].domInteractive`))
				if err != nil {
					b.Fatal(err)
				}
				interactive = append(interactive, ms)
				for {
					ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="console-status"]').textContent === "connected"`))
					if ok {
						break
					}
				}
				connected = append(connected, float64(time.Since(start).Milliseconds()))
			}
			slices.Sort(interactive)
			slices.Sort(connected)
			b.ReportMetric(interactive[len(interactive)/2], "interactive-ms")
			b.ReportMetric(connected[len(connected)/2], "connected-ms")
		})
	}
}
