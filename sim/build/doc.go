// Package build turns a Dockerfile and a build context into an image the way
// BuildKit's Dockerfile frontend does: RUN, COPY, ADD and WORKDIR freeze their
// changes into layers, metadata instructions only add history, every step is
// cached on what it depends on, and progress is printed in BuildKit's compact
// style.
//
// Where a rule was unclear it follows dockerfile2llb: step numbering counts
// FROM, WORKDIR, RUN, COPY and ADD (WORKDIR "/" is counted but makes no
// vertex); every RUN, COPY and ADD and every WORKDIR but "/" makes a layer,
// even when its diff is empty (then the layer is the empty tar); ONBUILD only records its trigger, and the triggers of a
// base image or base stage run first, named "ONBUILD …"; base images are
// resolved before any step runs; lint warnings are reported only for the
// stages that are built, as WARN lines and again after the build, and
// "# check=error=true" turns them into a failure; step names show ENV and
// ARG values substituted.
//
// The merged view of each stage starts as the caller's shared view of the
// base image (Options.View) and grows one layer at a time, so a build never
// re-merges layers it has already merged.
package build
