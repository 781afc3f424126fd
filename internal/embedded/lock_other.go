//go:build !unix

package embedded

// lockDir does not lock on systems without flock; do not point two brokers
// at one data directory there.
func lockDir(string) (func() error, error) {
	return func() error { return nil }, nil
}
