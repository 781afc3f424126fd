package sftpfs

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/pkg/sftp"
)

// reader streams one remote file. Its errors are sticky: after a failed
// Read every Read fails the same way. Not safe for concurrent use.
type reader struct {
	fs   *FS
	c    *conn
	file *sftp.File
	name string

	// watch closes the connection when a Read (or a stretch of WriteTo)
	// gets no answer within the Timeout; the pending call then fails.
	watch  *time.Timer
	err    error
	closed bool
}

func newReader(f *FS, c *conn, file *sftp.File, name string) *reader {
	r := &reader{fs: f, c: c, file: file, name: name}
	r.watch = time.AfterFunc(time.Hour, c.close)
	r.watch.Stop()
	return r
}

// Read reads from the file. io.EOF comes only from the server saying so; a
// connection that drops gives an error.
func (r *reader) Read(p []byte) (int, error) {
	if err := r.usable(); err != nil {
		return 0, err
	}
	r.watch.Reset(r.fs.cfg.Timeout)
	n, err := r.file.Read(p)
	expired := !r.watch.Stop()
	if err == nil || err == io.EOF {
		return n, err
	}
	return n, r.fail(err, expired)
}

// WriteTo copies the rest of the file to w with several reads in flight.
// The Timeout bounds each wait for data, not the whole copy, and time spent
// in w does not count.
func (r *reader) WriteTo(w io.Writer) (int64, error) {
	if err := r.usable(); err != nil {
		return 0, err
	}
	pw := &pausingWriter{w: w, r: r}
	r.watch.Reset(r.fs.cfg.Timeout)
	n, err := r.file.WriteTo(pw)
	expired := !r.watch.Stop()
	switch {
	case err == nil:
		return n, nil
	case pw.err != nil:
		return n, err // w's own error
	}
	return n, r.fail(err, expired)
}

// pausingWriter stops the reader's watch while the destination writes.
type pausingWriter struct {
	w   io.Writer
	r   *reader
	err error
}

func (p *pausingWriter) Write(b []byte) (int, error) {
	p.r.watch.Stop()
	n, err := p.w.Write(b)
	p.r.watch.Reset(p.r.fs.cfg.Timeout)
	if err != nil {
		p.err = err
	}
	return n, err
}

func (r *reader) usable() error {
	switch {
	case r.err != nil:
		return r.err
	case r.closed:
		return fmt.Errorf("sftpfs: read %s on %s: %w", r.name, r.fs.desc, fs.ErrClosed)
	}
	return nil
}

// fail records a read error; a dropped connection is let go so that the
// next call on the FS dials again.
func (r *reader) fail(err error, expired bool) error {
	if expired {
		err = &abortedError{cause: fmt.Errorf("no data within %s: %w", r.fs.cfg.Timeout, context.DeadlineExceeded)}
	}
	if r.c.lost(err) {
		r.fs.drop(r.c)
		err = connectionLost(err)
	}
	r.err = r.fs.opError("read", r.name, err)
	return r.err
}

// Close releases the remote file handle. When the connection is gone there
// is nothing left to release and Close returns nil. Close again does nothing.
func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.watch.Stop()
	t := time.AfterFunc(r.fs.cfg.Timeout, r.c.close)
	err := r.file.Close()
	t.Stop()
	if err == nil || r.c.lost(err) {
		return nil
	}
	return r.fs.opError("close", r.name, err)
}
