// Package transport is the `transport:` block shared by every file-drop
// connector: where the partner's files are (a local directory, an FTP or an
// SFTP server) and how to log in. Open turns it into the filesource.FS the
// file lifecycle runs over.
//
//	transport:
//	  type: sftp
//	  address: sftp.supplier.example:22
//	  user: procurehub
//	  private_key: ${SHENZHEN_SFTP_KEY}      # credentials only from the environment
//	  known_hosts: known_hosts/shenzhen-parts # host keys are always checked
package transport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/procurehub/procurehub/connectors"
	"github.com/procurehub/procurehub/connectors/filesource"
	"github.com/procurehub/procurehub/connectors/filesource/ftpfs"
	"github.com/procurehub/procurehub/connectors/filesource/sftpfs"
	"github.com/procurehub/procurehub/internal/config"
)

// Transport types.
const (
	Dir  = "dir"
	FTP  = "ftp"
	SFTP = "sftp"
)

// Settings is the transport block of a partner's settings. The zero value
// is a local directory.
type Settings struct {
	Type                  string            `yaml:"type"`
	Address               string            `yaml:"address"`
	User                  string            `yaml:"user"`
	Password              config.Credential `yaml:"password"`
	PrivateKey            config.Credential `yaml:"private_key"`
	PrivateKeyFile        string            `yaml:"private_key_file"`
	PrivateKeyPassphrase  config.Credential `yaml:"private_key_passphrase"`
	KnownHosts            string            `yaml:"known_hosts"`
	InsecureIgnoreHostKey bool              `yaml:"insecure_ignore_host_key"`
	TLS                   string            `yaml:"tls"`
	CAFile                string            `yaml:"ca_file"`
	DisableEPSV           bool              `yaml:"disable_epsv"`
	Timeout               time.Duration     `yaml:"timeout"`
}

// Remote reports whether the files are on a server (and so are spooled
// locally while they are taken).
func (s Settings) Remote() bool { return s.Type == FTP || s.Type == SFTP }

// Describe names the server, for logs and the ledger, without
// credentials: "sftp://procurehub@sftp.supplier.example:22"; "" for a
// local directory.
func (s Settings) Describe() string {
	if !s.Remote() {
		return ""
	}
	return fmt.Sprintf("%s://%s@%s", s.Type, s.User, s.Address)
}

// Validate checks the block without connecting and reports every problem:
// keys that do not belong to the type, missing address or login, no way to
// check an SFTP server's host key.
func (s Settings) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("transport: "+format, args...)) }
	notFor := func(key string, set bool) {
		if set {
			bad("%s does not apply to type %s", key, s.typ())
		}
	}
	switch s.typ() {
	case Dir:
		notFor("address", s.Address != "")
		notFor("user", s.User != "")
		notFor("password", s.Password.Reveal() != "")
		notFor("private_key", s.PrivateKey.Reveal() != "" || s.PrivateKeyFile != "")
		notFor("known_hosts", s.KnownHosts != "" || s.InsecureIgnoreHostKey)
		notFor("tls", s.TLS != "" || s.CAFile != "" || s.DisableEPSV)
	case FTP:
		notFor("private_key", s.PrivateKey.Reveal() != "" || s.PrivateKeyFile != "" || s.PrivateKeyPassphrase.Reveal() != "")
		notFor("known_hosts", s.KnownHosts != "" || s.InsecureIgnoreHostKey)
		if s.Address == "" || s.User == "" {
			bad("ftp needs address and user")
		}
		if s.TLS != "" && s.TLS != "none" && s.TLS != "explicit" {
			bad("tls %q is not none or explicit", s.TLS)
		}
	case SFTP:
		notFor("tls", s.TLS != "" || s.CAFile != "" || s.DisableEPSV)
		if s.Address == "" || s.User == "" {
			bad("sftp needs address and user")
		}
		if s.Password.Reveal() == "" && s.PrivateKey.Reveal() == "" && s.PrivateKeyFile == "" {
			bad("sftp needs password, private_key or private_key_file (from the environment)")
		}
		if s.PrivateKey.Reveal() != "" && s.PrivateKeyFile != "" {
			bad("give private_key or private_key_file, not both")
		}
		if s.KnownHosts == "" && !s.InsecureIgnoreHostKey {
			bad("sftp needs known_hosts, a file with the server's host key (ssh-keyscan -p PORT HOST); insecure_ignore_host_key: true skips the check and is not recommended")
		}
	default:
		bad("type %q is not one of dir, ftp, sftp", s.Type)
	}
	if s.Timeout < 0 {
		bad("timeout %s is negative", s.Timeout)
	}
	return errors.Join(errs...)
}

func (s Settings) typ() string {
	if s.Type == "" {
		return Dir
	}
	return s.Type
}

// Open returns the FS of the transport. It does not connect: servers are
// dialed on first use and redialed after a dropped connection. Relative
// file paths (known_hosts, private_key_file, ca_file) are resolved against
// dir, the config file's directory.
func (s Settings) Open(dir string) (filesource.FS, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	switch s.typ() {
	case FTP:
		return ftpfs.New(ftpfs.Config{
			Address: s.Address, User: s.User, Password: s.Password.Reveal(),
			TLS: s.TLS, CAFile: rel(s.CAFile), DisableEPSV: s.DisableEPSV, Timeout: s.Timeout,
		})
	case SFTP:
		key := []byte(s.PrivateKey.Reveal())
		if s.PrivateKeyFile != "" {
			b, err := os.ReadFile(rel(s.PrivateKeyFile))
			if err != nil {
				return nil, fmt.Errorf("transport: private_key_file: %w", err)
			}
			key = b
		}
		return sftpfs.New(sftpfs.Config{
			Address: s.Address, User: s.User, Password: s.Password.Reveal(),
			PrivateKey: key, Passphrase: s.PrivateKeyPassphrase.Reveal(),
			KnownHostsFile: rel(s.KnownHosts), InsecureIgnoreHostKey: s.InsecureIgnoreHostKey,
			Timeout: s.Timeout,
		})
	}
	return filesource.Local{}, nil
}

// Fields documents the block for connector specs, prefixed "transport.".
func Fields() []connectors.Field {
	return []connectors.Field{
		{Name: "transport", Type: "map", Default: "a local directory",
			Description: "Where the partner's files are and how to log in; the keys below."},
		{Name: "transport.type", Type: "string", Default: Dir,
			Description: "Where the partner's files are: dir (a local directory), ftp or sftp. inbox, archive, quarantine and outbox are paths on it."},
		{Name: "transport.address", Type: "string",
			Description: "ftp/sftp: host:port of the server (ports 21 and 22 by default).", Example: "sftp.supplier.example:22"},
		{Name: "transport.user", Type: "string", Description: "ftp/sftp: login name."},
		{Name: "transport.password", Type: "string", Secret: true,
			Description: "ftp/sftp: password, only as ${ENV_VAR}; a literal value is refused.", Example: "${ACME_FTP_PASSWORD}"},
		{Name: "transport.private_key", Type: "string", Secret: true,
			Description: "sftp: PEM private key, only as ${ENV_VAR}.", Example: "${SHENZHEN_SFTP_KEY}"},
		{Name: "transport.private_key_file", Type: "string",
			Description: "sftp: path of a PEM private key file (relative to the config file)."},
		{Name: "transport.private_key_passphrase", Type: "string", Secret: true,
			Description: "sftp: passphrase of an encrypted private key, only as ${ENV_VAR}."},
		{Name: "transport.known_hosts", Type: "string",
			Description: "sftp: OpenSSH known_hosts file with the server's host key (ssh-keyscan -p PORT HOST); required: host keys are always checked.", Example: "known_hosts/shenzhen-parts"},
		{Name: "transport.insecure_ignore_host_key", Type: "bool", Default: "false",
			Description: "sftp: skip the host key check. Anyone on the path could then pose as the server; for tests only."},
		{Name: "transport.tls", Type: "string", Default: "none",
			Description: "ftp: none, or explicit for FTPS (AUTH TLS, protected data connections)."},
		{Name: "transport.ca_file", Type: "string",
			Description: "ftp with tls explicit: PEM certificates to trust instead of the system roots."},
		{Name: "transport.disable_epsv", Type: "bool", Default: "false",
			Description: "ftp: use PASV only, for servers or firewalls that mishandle EPSV."},
		{Name: "transport.timeout", Type: "duration", Default: "30s",
			Description: "ftp/sftp: bound on dialing and on each server call."},
	}
}
