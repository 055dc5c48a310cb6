package shell

import (
	"io"
	"testing"
)

// BenchmarkRunSmallScript is the overhead of a typical small RUN step.
func BenchmarkRunSmallScript(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		o := testImage(b)
		sh := New(Config{FS: o, Env: testEnv, Programs: Coreutils(), Stdout: io.Discard, Stderr: io.Discard})
		b.StartTimer()
		if status, err := sh.Run(b.Context(), "mkdir -p /app && echo hi > /app/x && cat /app/x"); status != 0 || err != nil {
			b.Fatal(status, err)
		}
	}
}

// BenchmarkRunPipeline is a RUN step with pipelines and a loop.
func BenchmarkRunPipeline(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		o := testImage(b)
		sh := New(Config{FS: o, Env: testEnv, Programs: Coreutils(), Stdout: io.Discard, Stderr: io.Discard})
		b.StartTimer()
		if status, err := sh.Run(b.Context(), "for f in a b c; do echo $f | tr a b 2>/dev/null | cat > /tmp/$f; done; ls /tmp | wc -l"); status != 0 || err != nil {
			b.Fatal(status, err)
		}
	}
}
