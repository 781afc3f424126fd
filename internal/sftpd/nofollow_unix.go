//go:build unix

package sftpd

import "syscall"

// oNoFollow makes an open fail on a symbolic link, so a link swapped in
// after the Lstat checks is still not followed.
const oNoFollow = syscall.O_NOFOLLOW
