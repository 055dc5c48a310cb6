package shell

import (
	"bytes"
	"context"
	"errors"
)

// Fetcher answers a request a program inside the sandbox makes to a server
// the simulation itself runs, such as `curl localhost:8000` in a container
// whose main process serves that port. It returns the response body, or
// ErrNoServer when nothing listens there. The sandbox never reaches a real
// network: the engine decides what answers.
type Fetcher func(ctx context.Context, url string) (body []byte, err error)

// ErrNoServer is a Fetcher's answer when nothing listens at the address.
var ErrNoServer = errors.New("connection refused")

// Fetch asks the shell's Fetcher, if it has one, for url.
func (p *Proc) Fetch(ctx context.Context, url string) ([]byte, error) {
	if p.Shell == nil || p.Shell.cfg.Fetch == nil {
		return nil, ErrNoServer
	}
	return p.Shell.cfg.Fetch(ctx, url)
}

// TeachingMark is written into every file a simulated download produces
// (in the gzip header of archives, in the text of others), so that tools
// like sha256sum -c and gpg --verify can say so instead of failing on a
// checksum published for the real file.
const TeachingMark = "layerlab teaching download"

// IsTeachingDownload reports whether data came from a simulated download.
func IsTeachingDownload(data []byte) bool {
	// The mark stands at the head of a text and at the tail of a binary
	// stub, whose head holds its own path, however long.
	head, tail := data, data
	if len(data) > 1024 {
		head, tail = data[:1024], data[len(data)-1024:]
	}
	return bytes.Contains(head, []byte(TeachingMark)) || bytes.Contains(tail, []byte(TeachingMark))
}
