package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"time"
)

// errStorageFull is a write the database refused because its disk is
// full: answered 503 with Retry-After, and reported by /healthz.
var errStorageFull = errors.New("the server's storage is full; your work was not saved. Try again later")

// storageError names a write error by what a learner can do about it.
func storageError(err error) error {
	if isDiskFull(err) {
		return fmt.Errorf("%w (%v)", errStorageFull, err)
	}
	return err
}

func isDiskFull(err error) bool {
	if err == nil {
		return false
	}
	// SQLITE_FULL reads "database or disk is full"; a write to the WAL can
	// also fail with the system's ENOSPC.
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "disk is full") ||
		strings.Contains(err.Error(), "no space left on device")
}

// storageHealth runs the write probe of /healthz at most once a second,
// however often it is asked.
type storageHealth struct {
	probeMu  sync.Mutex
	probedAt time.Time
	probeErr error
}

// probe writes to storage, or answers the result of a probe less than a
// second old.
func (h *storageHealth) probe(ctx context.Context, ps Store) error {
	h.probeMu.Lock()
	defer h.probeMu.Unlock()
	if time.Since(h.probedAt) < time.Second {
		return h.probeErr
	}
	h.probeErr = ps.ProbeWrite(ctx)
	h.probedAt = time.Now()
	return h.probeErr
}
