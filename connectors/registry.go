package connectors

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Registry maps connector kinds to their spec and constructor. The binary
// registers the built-in kinds in one visible list; there is no init() magic.
type Registry struct {
	mu    sync.RWMutex
	kinds map[string]entry
}

type entry struct {
	spec Spec
	new  Constructor
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]entry{}} }

// Register adds a kind. It fails on an empty kind, a nil constructor or a duplicate.
func (r *Registry) Register(spec Spec, c Constructor) error {
	if spec.Kind == "" {
		return errors.New("connectors: register: empty kind")
	}
	if c == nil {
		return fmt.Errorf("connectors: register %s: nil constructor", spec.Kind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[spec.Kind]; dup {
		return fmt.Errorf("connectors: register %s: kind already registered", spec.Kind)
	}
	r.kinds[spec.Kind] = entry{spec: spec, new: c}
	return nil
}

// Lookup returns the spec and constructor of a kind.
func (r *Registry) Lookup(kind string) (Spec, Constructor, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.kinds[kind]
	return e.spec, e.new, ok
}

// Specs returns every registered spec, sorted by kind.
func (r *Registry) Specs() []Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Spec, 0, len(r.kinds))
	for _, e := range r.kinds {
		out = append(out, e.spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}
