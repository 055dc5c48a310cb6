// Package web is layerlab's HTTP face: an echo server whose pages are templ
// components, a websocket console per learner session that drives the
// simulator, and the quiz answer API. It says what storage it needs through
// one interface per concern (store.go); cmd/layerlab hands it web/sqlite
// or web/postgres.
package web
