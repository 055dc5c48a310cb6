//go:build race

package shell

// raceEnabled: the race detector slows the interpreter tenfold, so timing
// checks are off.
const raceEnabled = true
