package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/procurehub/procurehub/internal/auth"
)

// cmdSFTPHash prints the argon2id hash of the password on stdin's first
// line, for password_hash in the SFTP inbox's accounts file. The password
// comes from stdin, not an argument, so it stays out of shell history and
// the process list.
func cmdSFTPHash(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("sftp-hash", stderr)
	fs.Usage = func() {
		io.WriteString(stderr, "usage: procurehub sftp-hash < password-file   (or: printf '%s\\n' \"$PASSWORD\" | procurehub sftp-hash)\n")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("sftp-hash: read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		fmt.Fprintln(stderr, "sftp-hash: no password on stdin")
		return exitError{code: 1}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, hash)
	return nil
}
