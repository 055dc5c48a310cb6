package web

import (
	"bytes"
	"container/list"
	"context"
	"sync"

	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// A page load never replays a session: the page shows the visualizer as
// the server last sent it to the learner's console (kept here, in memory,
// bounded), or else the mode's starting state; the websocket's hello then
// draws the replayed session. Only the websocket replays, in the bounded
// replay pool.
const (
	maxPictureBytes = 32 << 20  // all kept pictures
	maxPicture      = 256 << 10 // one picture; a bigger one is not kept
)

// pictureCache maps a session (learner and mode) to its last rendered
// visualizer.
type pictureCache struct {
	lru
	startMu sync.Mutex
	starts  map[string]string // the playground's starting state, by language
}

// lru is a least-recently-used map of strings, bounded in bytes.
type lru struct {
	mu     sync.Mutex
	order  *list.List // of *lruEntry, most recent first
	byKey  map[string]*list.Element
	bytes  int
	limit  int // all entries
	single int // one entry; a bigger one is not kept
}

type lruEntry struct {
	key, val string
}

func (c *lru) put(key, val string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil {
		c.order, c.byKey = list.New(), map[string]*list.Element{}
	}
	c.remove(key)
	if len(val) > c.single {
		return
	}
	c.byKey[key] = c.order.PushFront(&lruEntry{key: key, val: val})
	c.bytes += len(val)
	for c.bytes > c.limit {
		el := c.order.Back()
		e := el.Value.(*lruEntry)
		c.order.Remove(el)
		delete(c.byKey, e.key)
		c.bytes -= len(e.val)
	}
}

func (c *lru) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry).val, true
}

// forget drops an entry (a session that was replaced).
func (c *lru) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(key)
}

func (c *lru) remove(key string) {
	if el, ok := c.byKey[key]; ok {
		c.bytes -= len(el.Value.(*lruEntry).val)
		c.order.Remove(el)
		delete(c.byKey, key)
	}
}

// playgroundPicture is what the home page shows a learner: their last
// picture, or the playground's starting state in the page's language,
// built once per language.
func (s *Server) playgroundPicture(ctx context.Context, learner string) string {
	lang := locale.From(ctx)
	// Pictures are kept per language: after a switch, the page shows the
	// picture in the language it is now in, not the last one drawn.
	if html, ok := s.pictures.get(learner + "|" + lang + "|play"); ok {
		return html
	}
	s.pictures.startMu.Lock()
	defer s.pictures.startMu.Unlock()
	if html, ok := s.pictures.starts[lang]; ok {
		return html
	}
	var buf bytes.Buffer
	if err := ui.Viz(vizView(s.newSession(playground{}).console.Engine())).Render(locale.With(context.Background(), lang, nil), &buf); err != nil {
		s.log.Error("rendering the playground's start", "err", err)
	}
	if s.pictures.starts == nil {
		s.pictures.starts = map[string]string{}
	}
	s.pictures.starts[lang] = buf.String()
	return buf.String()
}
