// Package build turns a Dockerfile and a build context into an image the way
// BuildKit's Dockerfile frontend does: RUN, COPY, ADD and WORKDIR freeze their
// changes into layers, metadata instructions only add history, every step is
// cached on what it depends on, and progress is printed in BuildKit's compact
// style.
//
// Where a rule was unclear it follows dockerfile2llb: step numbering counts
// FROM, WORKDIR, RUN, COPY and ADD; a step whose diff is empty adds a history
// entry with empty_layer set and no layer; metadata instructions never break
// the cache of later steps unless they change what those steps see (ENV, ARG,
// USER, WORKDIR, SHELL).
package build
