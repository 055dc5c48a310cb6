package pkg

// aptResolver picks the packages an install needs, as apt's resolver does
// for a fresh install: every Depends (and Pre-Depends) and, unless turned
// off, every Recommends, of every package it adds, skipping what is
// installed or provided by something installed. Of alternatives ("a | b")
// it keeps the first one that is already satisfied, else the first real
// package, else the first provider of a virtual one.
type aptResolver struct {
	d          *aptDist
	st         *dpkgStatus
	recommends bool
	provided   map[string]bool
	seen       map[string]bool
	order      []*debPkg
}

func newAptResolver(d *aptDist, st *dpkgStatus, recommends bool) *aptResolver {
	r := &aptResolver{d: d, st: st, recommends: recommends, provided: map[string]bool{}, seen: map[string]bool{}}
	for name := range st.versions {
		if pk := d.lookup(name); pk != nil {
			for _, v := range pk.provides {
				r.provided[v] = true
			}
		}
	}
	return r
}

func (r *aptResolver) satisfied(name string) bool {
	_, ok := r.st.versions[name]
	return ok || r.provided[name] || r.seen[name]
}

// choose picks the package for one dependency, or nil when it is met.
func (r *aptResolver) choose(dep string) *debPkg {
	alts := splitAlts(dep)
	for _, a := range alts {
		if r.satisfied(a) {
			return nil
		}
	}
	for _, a := range alts {
		if pk := r.d.lookup(a); pk != nil {
			return pk
		}
	}
	for _, a := range alts {
		if provs := r.d.providers(a); len(provs) > 0 {
			for _, pr := range provs {
				if r.satisfied(pr) {
					return nil
				}
			}
			return r.d.lookup(provs[0])
		}
	}
	return nil
}

func splitAlts(dep string) []string {
	var out []string
	for len(dep) > 0 {
		i := 0
		for i < len(dep) && dep[i] != '/' {
			i++
		}
		out = append(out, dep[:i])
		if i == len(dep) {
			break
		}
		dep = dep[i+1:]
	}
	return out
}

func (r *aptResolver) visit(pk *debPkg) {
	if pk == nil || r.seen[pk.name] {
		return
	}
	r.seen[pk.name] = true
	for _, v := range pk.provides {
		r.provided[v] = true
	}
	for _, d := range pk.deps {
		r.visit(r.choose(d))
	}
	if r.recommends {
		for _, d := range pk.recommends {
			r.visit(r.choose(d))
		}
	}
	if _, installed := r.st.versions[pk.name]; !installed {
		r.order = append(r.order, pk)
	}
}

// closure returns what must be installed for wanted, dependencies first;
// already reports a wanted package that is installed.
func (r *aptResolver) closure(wanted []*debPkg, already func(pk *debPkg, version string)) []*debPkg {
	for _, pk := range wanted {
		if v, installed := r.st.versions[pk.name]; installed {
			already(pk, v)
		}
		r.visit(pk)
	}
	return r.order
}
