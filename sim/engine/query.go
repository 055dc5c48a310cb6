package engine

import "sort"

// RegistryRefs lists every reference the shared registry holds
// ("pageturn:1.0"), sorted: read-only, for lesson goals that ask whether a
// push happened.
func (e *Engine) RegistryRefs() []string {
	out := make([]string, 0, len(e.registry.repos))
	for ref := range e.registry.repos {
		out = append(out, ref)
	}
	sort.Strings(out)
	return out
}
