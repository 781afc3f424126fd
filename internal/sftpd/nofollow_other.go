//go:build !unix

package sftpd

// oNoFollow: no such flag here; the Lstat checks stand alone.
const oNoFollow = 0
