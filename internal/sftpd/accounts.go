package sftpd

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"
)

// MinRSABits is the smallest RSA key an account may hold: keys below 3072
// bits fall short of today's guidance (NIST SP 800-57, BSI TR-02102).
const MinRSABits = 3072

// Account is one partner's login.
type Account struct {
	// Partner is the login name and the partner whose inbox is served.
	Partner string
	// Root is the partner's local inbox directory; Outbox and Archive are
	// its outbox and archive (by default <Root>/outbox and <Root>/archive).
	Root, Outbox, Archive string
	// Keys are the accepted public keys, by their wire form.
	Keys map[string]ssh.PublicKey
	// PasswordHash is an argon2id PHC string (internal/auth.HashPassword);
	// empty: no password login.
	PasswordHash string
	Disabled     bool
}

// accountsFile is the YAML of the accounts file.
type accountsFile struct {
	Accounts []yaml.Node `yaml:"accounts"`
}

// accountYAML keeps the nodes of keys and hashes, for their line numbers.
type accountYAML struct {
	Partner      string      `yaml:"partner"`
	PublicKeys   []yaml.Node `yaml:"public_keys"`
	PasswordHash yaml.Node   `yaml:"password_hash"`
	Disabled     bool        `yaml:"disabled"`
}

// Folders are the local directories of a partner's file drop.
type Folders struct {
	Inbox   string
	Outbox  string // default <Inbox>/outbox
	Archive string // default <Inbox>/archive
}

// ParseAccounts reads an accounts file. folders maps each partner that may
// have an account to its local inbox directories; an account of any other
// partner is an error. Every problem is reported with its line.
func ParseAccounts(file string, b []byte, folders map[string]Folders) (map[string]*Account, error) {
	var f accountsFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var errs []error
	bad := func(line int, msg string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(msg, args...)))
	}
	out := map[string]*Account{}
	for i := range f.Accounts {
		n := &f.Accounts[i]
		var a accountYAML
		if err := decodeAccount(n, &a); err != nil {
			bad(n.Line, "accounts[%d]: %v", i, err)
			continue
		}
		dirs, ok := folders[a.Partner]
		switch {
		case a.Partner == "":
			bad(n.Line, "accounts[%d].partner: required", i)
			continue
		case !ok:
			bad(n.Line, "accounts[%d].partner: %q is not a configured partner with a local inbox", i, a.Partner)
			continue
		case out[a.Partner] != nil:
			bad(n.Line, "accounts[%d].partner: %q has two accounts", i, a.Partner)
			continue
		}
		acc := &Account{Partner: a.Partner, Root: dirs.Inbox, Outbox: dirs.Outbox, Archive: dirs.Archive, Keys: map[string]ssh.PublicKey{},
			PasswordHash: a.PasswordHash.Value, Disabled: a.Disabled}
		keyErrs := false
		for j, kn := range a.PublicKeys {
			key, err := parseAuthorizedKey(kn.Value)
			if err != nil {
				bad(kn.Line, "accounts[%d].public_keys[%d] (%s): %v", i, j, a.Partner, err)
				keyErrs = true
				continue
			}
			acc.Keys[string(key.Marshal())] = key
		}
		if h := acc.PasswordHash; h != "" && !strings.HasPrefix(h, "$argon2id$") {
			bad(a.PasswordHash.Line, "accounts[%d].password_hash (%s): not an argon2id hash (make one with `procurehub sftp-hash`)", i, a.Partner)
		}
		if len(a.PublicKeys) == 0 && acc.PasswordHash == "" && !acc.Disabled && !keyErrs {
			bad(n.Line, "accounts[%d] (%s): no public_keys and no password_hash: nobody could log in", i, a.Partner)
		}
		if acc.Outbox == "" {
			acc.Outbox = filepath.Join(acc.Root, dirOutbox)
		}
		if acc.Archive == "" {
			acc.Archive = filepath.Join(acc.Root, dirArchive)
		}
		out[a.Partner] = acc
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// decodeAccount decodes one account, refusing unknown keys (yaml.Node's
// Decode has no strict mode) so that a misspelt "disabled" is not ignored.
func decodeAccount(n *yaml.Node, a *accountYAML) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("not a mapping of partner, public_keys, password_hash, disabled")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "partner", "public_keys", "password_hash", "disabled":
		default:
			return fmt.Errorf("line %d: unknown key %q (partner, public_keys, password_hash, disabled)", n.Content[i].Line, k)
		}
	}
	if err := n.Decode(a); err != nil {
		return err
	}
	for _, k := range a.PublicKeys {
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: public_keys lists authorized_keys lines (strings)", k.Line)
		}
	}
	return nil
}

// parseAuthorizedKey reads one authorized_keys line and refuses key types
// and sizes the server does not accept.
func parseAuthorizedKey(line string) (ssh.PublicKey, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("not an authorized_keys line: %v", err)
	}
	switch key.Type() {
	case ssh.KeyAlgoED25519:
	case ssh.KeyAlgoRSA:
		ck, ok := key.(ssh.CryptoPublicKey)
		if !ok {
			return nil, errors.New("unreadable RSA key")
		}
		pub, ok := ck.CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("unreadable RSA key")
		}
		if bits := pub.N.BitLen(); bits < MinRSABits {
			return nil, fmt.Errorf("RSA key of %d bits (%s) is too small: at least %d bits are required; make one with ssh-keygen -t ed25519 or -t rsa -b 4096",
				bits, ssh.FingerprintSHA256(key), MinRSABits)
		}
	default:
		return nil, fmt.Errorf("key type %s is not accepted: use ssh-ed25519 or ssh-rsa of at least %d bits", key.Type(), MinRSABits)
	}
	return key, nil
}

// Accounts is the accounts file, read again when it changes so that keys
// rotate and accounts are disabled without a restart.
type Accounts struct {
	file    string
	folders map[string]Folders
	// OnReloadError is told when a changed file cannot be read; the
	// accounts read before stay in force.
	onReloadError func(error)

	mu       sync.Mutex
	modTime  time.Time
	size     int64
	accounts map[string]*Account
	lastErr  string
}

// LoadAccounts reads the accounts file; an error is fatal at start.
// folders maps partners to their local inbox directories.
func LoadAccounts(file string, folders map[string]Folders, onReloadError func(error)) (*Accounts, error) {
	a := &Accounts{file: file, folders: folders, onReloadError: onReloadError}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("sftp accounts: %w", err)
	}
	if err := a.load(fi); err != nil {
		return nil, err
	}
	return a, nil
}

// StaticAccounts serves a fixed set of accounts (tests, embedding).
func StaticAccounts(accounts ...*Account) *Accounts {
	m := map[string]*Account{}
	for _, acc := range accounts {
		if acc.Outbox == "" {
			acc.Outbox = filepath.Join(acc.Root, dirOutbox)
		}
		if acc.Archive == "" {
			acc.Archive = filepath.Join(acc.Root, dirArchive)
		}
		m[acc.Partner] = acc
	}
	return &Accounts{accounts: m}
}

func (a *Accounts) load(fi os.FileInfo) error {
	b, err := os.ReadFile(a.file)
	if err != nil {
		return fmt.Errorf("sftp accounts: %w", err)
	}
	m, err := ParseAccounts(a.file, b, a.folders)
	if err != nil {
		return fmt.Errorf("sftp accounts: %w", err)
	}
	a.accounts, a.modTime, a.size = m, fi.ModTime(), fi.Size()
	return nil
}

// Lookup returns the current account of a partner, reading the file again
// first when its modification time or size changed.
func (a *Accounts) Lookup(partner string) (*Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refresh()
	acc, ok := a.accounts[partner]
	return acc, ok
}

// refresh rereads a changed file; a file that does not parse keeps the
// accounts in force and is reported once per distinct error.
func (a *Accounts) refresh() {
	if a.file == "" {
		return
	}
	fi, err := os.Stat(a.file)
	if err == nil && fi.ModTime().Equal(a.modTime) && fi.Size() == a.size {
		return
	}
	if err == nil {
		err = a.load(fi)
	}
	if err != nil && err.Error() != a.lastErr {
		a.lastErr = err.Error()
		if a.onReloadError != nil {
			a.onReloadError(err)
		}
	}
	if err == nil {
		a.lastErr = ""
	}
}

// Roots returns the root directory of every account, for housekeeping.
func (a *Accounts) Roots() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, acc := range a.accounts {
		out = append(out, acc.Root)
	}
	return out
}
