// Package batch gathers queued requests into group commits: the single
// writer of a store takes every request already waiting, commits them in
// one transaction and answers each, with no waiting window.
package batch

// Run hands commit each batch of requests from reqs: as soon as one
// arrives, with every other one already queued, up to max. The slice is
// reused for the next batch, so commit must not keep it. Run returns when
// done is closed.
func Run[T any](done <-chan struct{}, reqs <-chan T, max int, commit func([]T)) {
	batch := make([]T, 0, max)
	for {
		select {
		case <-done:
			return
		case r := <-reqs:
			batch = append(batch[:0], r)
		}
	drain:
		for len(batch) < max {
			select {
			case r := <-reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		commit(batch)
	}
}
