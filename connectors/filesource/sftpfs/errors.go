package sftpfs

import (
	"errors"
	"io/fs"

	"github.com/pkg/sftp"
)

var (
	// ErrHostKeyMismatch: the server showed a host key other than the one
	// the known_hosts file has for it (or a revoked one).
	ErrHostKeyMismatch = errors.New("host key mismatch")
	// ErrUnknownHost: the known_hosts file has no key for the server.
	ErrUnknownHost = errors.New("unknown host")
	// ErrAuthFailed: the server accepted none of the credentials.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrConnectionLost: the connection dropped (or was closed after the
	// Timeout) during the call; the next call dials again.
	ErrConnectionLost = errors.New("connection lost")
)

// SFTP status codes (draft-ietf-secsh-filexfer); pkg/sftp exports the
// version 3 ones only as values of an unexported type.
const (
	fxNoSuchFile        = 2
	fxPermissionDenied  = 3
	fxFailure           = 4
	fxNoSuchPath        = 10 // version 4 and later; some servers send it
	fxFileAlreadyExists = 11
	fxWriteProtect      = 12
)

// mapError makes a server's status match the io/fs errors: errors.Is(err,
// fs.ErrNotExist), fs.ErrExist, fs.ErrPermission. pkg/sftp already returns
// os.ErrNotExist and os.ErrPermission for the version 3 codes; the others
// keep their *sftp.StatusError underneath.
func mapError(err error) error {
	var se *sftp.StatusError
	if errors.As(err, &se) {
		switch se.Code {
		case fxNoSuchFile, fxNoSuchPath, fxPermissionDenied, fxWriteProtect, fxFileAlreadyExists:
			return &statusError{err: err, code: se.Code}
		}
	}
	return err
}

type statusError struct {
	err  error
	code uint32
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func (e *statusError) Is(target error) bool {
	switch e.code {
	case fxNoSuchFile, fxNoSuchPath:
		return target == fs.ErrNotExist
	case fxPermissionDenied, fxWriteProtect:
		return target == fs.ErrPermission
	case fxFileAlreadyExists:
		return target == fs.ErrExist
	}
	return false
}
