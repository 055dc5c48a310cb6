package web

import (
	"context"
	"testing"
)

// BenchmarkConsoleCommand is what one console command costs the server
// beside storage: running it in the simulator, drawing the picture and
// encoding the reply, for the command cycle of BenchmarkWebsocketSessions.
// Its time and allocations per command are what 5,000 learners multiply;
// unlike the load test's latencies they hold still on a busy machine.
func BenchmarkConsoleCommand(b *testing.B) {
	srv := testServer(b)
	cl := &wsClient{s: srv, sess: srv.newSession(playground{})}
	cl.hello()
	cycle := []string{
		"docker images",
		"docker run -d --name c1 python:3.12 sleep 3600",
		"docker ps",
		"docker exec c1 sh -c 'echo note >> /etc/motd'",
		"docker diff c1",
		"docker rm -f c1",
	}
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		if len(cl.sess.log) >= maxLogEntries-len(cycle) && k%len(cycle) == 0 {
			b.StopTimer()
			cl.sess.log, cl.sess.logBytes = nil, 0
			b.StartTimer()
		}
		reply := cl.handle(context.Background(), clientMsg{Type: "cmd", Line: cycle[k%len(cycle)]})
		if reply.Type != "result" {
			b.Fatalf("%s: %s", cycle[k%len(cycle)], reply.Error)
		}
		if _, err := encodeMsg(reply); err != nil {
			b.Fatal(err)
		}
		k++
	}
}
