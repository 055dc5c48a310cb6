package engine

import (
	"context"
	"io"

	"github.com/layerlab/layerlab/sim/shell"
)

// helloMessage is what the teaching copy of hello-world's /hello prints:
// the facts the real program's message tells a newcomer (what just
// happened, in four steps), in layerlab's own words.
const helloMessage = `
Hello from hello-world (a layerlab teaching copy)!

Your Docker works. To print this, four things happened:
 1. The docker client asked the Docker daemon to run the image "hello-world".
 2. The daemon had no such image, so it pulled it from the registry.
 3. The daemon created a container from that image, with a writable layer
    of its own, and started the image's one program, /hello.
 4. /hello wrote this text; the daemon sent it to the client, which printed
    it in your terminal. Then /hello ended, and so did the container.

The real image prints its own message; this copy says the same things in
other words. The container is still there, stopped: see it with
 $ docker ps -a
Then try something bigger, such as building an app:
 $ docker build -t pageturn .
`

// helloProgram is hello-world's /hello.
func helloProgram(_ context.Context, p *shell.Proc) int {
	io.WriteString(p.Stdout, helloMessage)
	return 0
}
