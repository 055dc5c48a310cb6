// Package docker is the simulated docker command line: it parses a console
// line the way the real CLI does (flags, --help, unknown-flag errors), calls
// the simulated daemon in package engine, and prints what the real CLI
// prints, in its formats and column names.
package docker
