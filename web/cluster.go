package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// claimedKeys maps the hash other nodes hear back to this node's live
// session keys.
type claimedKeys struct {
	mu   sync.Mutex
	keys map[string]string
}

// Many nodes may serve one store (web/postgres). A session's state is its
// stored seed and log, so any node can open it; what needs telling across
// nodes is only that a session was opened, so the tab that had it on
// another node closes (the same rule as two tabs on one node, in ws.go).

// claimKey is what other nodes hear of a session: a hash, so no learner
// id leaves this process through the store.
func claimKey(key string) string {
	sum := sha256.Sum256([]byte("layerlab session claim\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// announce tells the other nodes that key is live here now. A failure is
// logged, not fatal: the learner still gets their session, and only a tab
// on another node stays open longer than it should.
func (s *Server) announce(key string) {
	if s.Claims == nil {
		return
	}
	h := claimKey(key)
	s.claimed.mu.Lock()
	if s.claimed.keys == nil {
		s.claimed.keys = map[string]string{}
	}
	s.claimed.keys[h] = key
	s.claimed.mu.Unlock()
	s.tell(h)
}

// evictEverywhere closes the session's connection on this node and on
// any other.
func (s *Server) evictEverywhere(key string) {
	s.evict(key)
	if s.Claims != nil {
		s.tell(claimKey(key))
	}
}

func (s *Server) tell(hashed string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Claims.Claim(ctx, hashed); err != nil {
		s.log.Warn("telling other nodes about a session", "err", err)
	}
}

// claimedElsewhere closes this node's connection to the session another
// node has just opened, if this node holds it.
func (s *Server) claimedElsewhere(hashed string) {
	s.claimed.mu.Lock()
	key, ok := s.claimed.keys[hashed]
	delete(s.claimed.keys, hashed)
	s.claimed.mu.Unlock()
	if ok {
		s.evict(key)
	}
}

// forget drops key's hash once its session has no connection here.
func (s *Server) forget(key string) {
	if s.Claims == nil {
		return
	}
	s.claimed.mu.Lock()
	delete(s.claimed.keys, claimKey(key))
	s.claimed.mu.Unlock()
}

// listenClaims follows the other nodes' claims until ctx ends, coming
// back after a lost connection to the store.
func (s *Server) listenClaims(ctx context.Context) {
	if s.Claims == nil {
		return
	}
	for ctx.Err() == nil {
		err := s.Claims.Listen(ctx, s.claimedElsewhere)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("listening for sessions opened on other nodes", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
