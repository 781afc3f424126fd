package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new password hashes: OWASP's recommended minimum
// (19 MiB, 2 passes, 1 lane). Hashes keep their parameters, so raising
// these later leaves existing passwords working.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Limits on a stored hash's parameters, so that a corrupt or hostile hash
// cannot make a login use gigabytes or minutes.
const (
	maxArgonMemory  = 256 * 1024 // 256 MiB
	maxArgonTime    = 10
	maxPasswordSize = 1024
)

// errPHC: the stored hash is not an argon2id PHC string this package reads.
var errPHC = errors.New("auth: password hash is not an argon2id PHC string")

// HashPassword returns the argon2id hash of password with a new random
// salt, as a PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errors.New("auth: password is empty")
	}
	if len(password) > maxPasswordSize {
		return "", fmt.Errorf("auth: password is longer than %d bytes", maxPasswordSize)
	}
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password is the one hashed in phc (made
// by HashPassword, or any argon2id PHC string within sane limits). The
// hashes are compared in constant time. A phc it cannot read is an error.
func VerifyPassword(phc, password string) (bool, error) {
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=...,t=...,p=...", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errPHC
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errPHC
	}
	var (
		memory, passes uint32
		threads        uint8
	)
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil ||
		memory == 0 || memory > maxArgonMemory || passes == 0 || passes > maxArgonTime || threads == 0 {
		return false, errPHC
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errPHC
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 128 {
		return false, errPHC
	}
	if len(password) > maxPasswordSize {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
