package yamlx

import "github.com/procurehub/procurehub/internal/config"

// Problem is what a check found wrong with a decoded config: the value at
// Path (or, with Key, the key itself: an unknown rule id) and why.
type Problem struct {
	Path    Path
	Key     bool
	Message string
}

// Checks is what a config file of type T needs from the package that
// owns it: Prepare fills defaults and resolves relative paths (nil: none),
// Check reports every problem left.
type Checks[T any] struct {
	Prepare func(doc *config.Document, c *T)
	Check   func(c *T) []Problem
}

// LoadFile reads a config file of type T (see Load).
func LoadFile[T any](path string, env config.Env, checks Checks[T]) (*T, error) {
	doc, err := config.ParseFile(path, env)
	if err != nil {
		return nil, err
	}
	return Load(doc, checks)
}

// LoadBytes reads a config of type T from YAML bytes named file (see Load).
func LoadBytes[T any](file string, b []byte, env config.Env, checks Checks[T]) (*T, error) {
	doc, err := config.Parse(file, b, env)
	if err != nil {
		return nil, err
	}
	return Load(doc, checks)
}

// Load decodes a parsed config document strictly into a new T (an unknown
// key is an error at its place), prepares it and checks it: every problem
// becomes a *config.Error naming file:line:column, all of them in a
// config.Errors.
func Load[T any](doc *config.Document, checks Checks[T]) (*T, error) {
	var c T
	if err := config.Decode(doc.File, doc.Root, &c); err != nil {
		return nil, err
	}
	if checks.Prepare != nil {
		checks.Prepare(doc, &c)
	}
	var errs config.Errors
	for _, p := range checks.Check(&c) {
		errs = append(errs, Errorf(doc.File, doc.Root, p.Path, p.Key, "%s", p.Message))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &c, nil
}
