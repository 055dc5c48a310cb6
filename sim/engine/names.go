package engine

import "fmt"

// Words for generated container names, "adjective_surname" as Docker makes
// them: surnames of scientists and engineers.
var (
	nameAdjectives = []string{
		"brave", "calm", "clever", "eager", "festive", "focused", "gentle", "happy",
		"jolly", "keen", "lucid", "modest", "nifty", "quirky", "serene", "sharp",
		"stoic", "tender", "upbeat", "vibrant", "wizardly", "youthful", "zealous", "bold",
	}
	nameSurnames = []string{
		"lovelace", "hopper", "turing", "curie", "noether", "ritchie", "thompson", "liskov",
		"hamilton", "knuth", "dijkstra", "franklin", "goodall", "hypatia", "johnson", "kare",
		"lamarr", "meitner", "napier", "pike", "shannon", "torvalds", "wilson", "yalow",
	}
)

// randomName picks a free generated name from the session's seeded source.
func (e *Engine) randomName(h *Host) string {
	for try := 0; ; try++ {
		n := nameAdjectives[e.rng.IntN(len(nameAdjectives))] + "_" + nameSurnames[e.rng.IntN(len(nameSurnames))]
		if try > 20 {
			n += fmt.Sprint(e.rng.IntN(10))
		}
		if _, err := h.findContainer(n); err != nil {
			return n
		}
	}
}
