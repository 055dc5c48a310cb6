// Package ui holds layerlab's templ components: one file per page plus the
// shared widgets (the visualizer, the console, the quiz card). Components take
// plain view models and never see a request.
package ui
