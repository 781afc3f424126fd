package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/auth"
)

func TestSFTPHashPrintsAHashTheServerAccepts(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := cmdSFTPHash(nil, strings.NewReader("correct horse\n"), &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	hash := strings.TrimSpace(out.String())
	if ok, err := auth.VerifyPassword(hash, "correct horse"); err != nil || !ok {
		t.Fatalf("hash %q does not verify: %v", hash, err)
	}
	if strings.Contains(out.String(), "horse") {
		t.Fatal("the password is printed")
	}
	if err := cmdSFTPHash(nil, strings.NewReader(""), &out, &errOut); err == nil {
		t.Fatal("an empty password was hashed")
	}
}
