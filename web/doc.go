// Package web is layerlab's HTTP face: an echo server whose pages are templ
// components, a websocket console per learner session that drives the
// simulator, and the quiz answer API. It says what storage it needs through
// the Store interface; cmd/layerlab hands it the SQLite implementation.
package web
