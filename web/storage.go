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

// storageHealth remembers the last failed write, so /healthz can say
// that storage is failing though reads still work.
type storageHealth struct {
	mu      sync.Mutex
	lastErr error
	at      time.Time

	// The write probe runs at most once a second, however often /healthz
	// is asked.
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
	if h.probeErr != nil {
		h.record(h.probeErr, h.probedAt)
	}
	return h.probeErr
}

// record keeps a failed write. A success does not clear it: a full disk
// still takes a write that fits in a page with room, and /healthz should
// say writes are failing for a while after the last one did.
func (h *storageHealth) record(err error, now time.Time) {
	if err == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr, h.at = err, now
}

func (h *storageHealth) last() (error, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr, h.at
}
