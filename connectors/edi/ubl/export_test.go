package ubl

// WithMaxInputBytes returns a copy of d bounded to n bytes of input, so that
// the bound is tested without generating 64 MiB.
func (d *Decoder) WithMaxInputBytes(n int64) *Decoder {
	c := *d
	c.limits.MaxBytes = n
	return &c
}
