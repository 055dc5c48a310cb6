package xapi

import "time"

// Backoff exposes the wait after the nth failure in a row.
func (s *Sender) Backoff(n int) time.Duration { return s.backoff(n) }
