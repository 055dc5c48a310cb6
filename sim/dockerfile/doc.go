// Package dockerfile turns Dockerfile source into typed build stages using
// BuildKit's own parser, instruction types and shell lexer, so that what the
// simulator accepts, rejects and warns about is what `docker build` accepts,
// rejects and warns about.
//
// Parse does what BuildKit's Dockerfile frontend does before it runs any step:
// it reads the parser directives (escape, syntax, check), parses the
// instructions, splits them into stages, resolves the global ARGs that may be
// used in FROM, and runs the static lint rules. Expanding $VARIABLES in a
// step's arguments depends on the ENV and ARG values in effect at that step, so
// it is left to the builder, which calls Command.Expand or ExpandWord with the
// environment of the step.
//
// The package also reads .dockerignore files with the same pattern rules
// BuildKit uses (ParseIgnore, NewIgnoreMatcher).
package dockerfile
