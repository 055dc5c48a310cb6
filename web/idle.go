package web

import (
	"bytes"
	"container/list"
	"sync"
)

// maxIdleSessions is how many sessions a server keeps in memory after
// their console closed: a reconnect within that window (a reload, a
// network blip, or a client reconnecting in a loop to make the server
// replay) picks the session up without replaying it. Each is bounded by
// the simulator's session limits, so the count bounds the memory.
const maxIdleSessions = 8

// idleSessions are sessions whose console closed, most recent first.
type idleSessions struct {
	mu    sync.Mutex
	order *list.List // of *session
	byKey map[string]*list.Element
}

// park keeps a session whose console closed.
func (c *idleSessions) park(key string, sess *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil {
		c.order, c.byKey = list.New(), map[string]*list.Element{}
	}
	if el, ok := c.byKey[key]; ok {
		c.order.Remove(el)
	}
	c.byKey[key] = c.order.PushFront(sess)
	for c.order.Len() > maxIdleSessions {
		el := c.order.Back()
		old := el.Value.(*session)
		c.order.Remove(el)
		delete(c.byKey, old.learner+"|"+old.key)
	}
}

// take removes and returns the idle session of key, if there is one.
func (c *idleSessions) take(key string) *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil
	}
	c.order.Remove(el)
	delete(c.byKey, key)
	return el.Value.(*session)
}

// matches says whether an idle session is the stored one: the same seed
// and log. Another node, a share link or a reset elsewhere may have
// changed what is stored since it was parked.
func (sess *session) matches(seed uint64, log []LogEntry) bool {
	if sess.seed != seed || len(sess.log) != len(log) {
		return false
	}
	for i, e := range log {
		s := sess.log[i]
		if s.Kind != e.Kind || s.Line != e.Line || s.Path != e.Path || !bytes.Equal(s.Data, e.Data) {
			return false
		}
	}
	return true
}
