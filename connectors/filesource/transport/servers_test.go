package transport_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/procurehub/procurehub/connectors/filesource/transport"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/testserver/ftpd"
	"github.com/procurehub/procurehub/internal/testserver/sshd"
)

func credential(s string) config.Credential { return config.Credential{Secret: config.Secret(s)} }

// TestDropsOnVsftpd runs the scenarios against a real vsftpd. The FTP user
// sees its login directory as "/"; the test writes there as root, so the
// inbox is made writable for the FTP user (partners' files are removed
// from it), while a directory the test makes stays root's: that is how the
// archive refuses a move. Transfers are limited to 4 MB/s so that a
// download cut after 64 KiB is really cut, not already whole in the
// socket buffers.
func TestDropsOnVsftpd(t *testing.T) {
	runScenarios(t, func(t *testing.T) dropServer {
		srv := ftpd.Start(t, ftpd.MaxRate(4<<20))
		inbox := filepath.Join(srv.Root, "inbox")
		if err := os.Mkdir(inbox, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := srv.Chown("inbox"); err != nil {
			t.Fatal(err)
		}
		return dropServer{
			name: "ftp",
			settings: transport.Settings{Type: transport.FTP, Address: srv.Addr, User: srv.User,
				Password: credential(srv.Password)},
			remote: "/", local: srv.Root,
			restart: srv.Restart, stop: srv.Stop, drop: srv.DropConnections,
			denyWrites: func(t *testing.T, dir string) {
				if err := os.Chmod(dir, 0o555); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// TestDropsOnOpenSSH runs the scenarios against a real OpenSSH sshd. The
// SFTP user is the test's own (root in CI), which no file permission
// stops, so the refused-archive scenario runs on FTP only.
func TestDropsOnOpenSSH(t *testing.T) {
	runScenarios(t, func(t *testing.T) dropServer {
		srv := sshd.Start(t)
		return dropServer{
			name: "sftp",
			settings: transport.Settings{Type: transport.SFTP, Address: srv.Addr, User: srv.User,
				PrivateKey: credential(string(srv.PrivateKey)), KnownHosts: srv.KnownHostsFile},
			remote: srv.Root, local: srv.Root,
			restart: srv.Restart, stop: srv.Stop, drop: srv.DropConnections,
		}
	})
}
