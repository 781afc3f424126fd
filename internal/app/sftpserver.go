package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/procurehub/procurehub/connectors/filedrop"
	"github.com/procurehub/procurehub/connectors/filesource"
	"github.com/procurehub/procurehub/connectors/filesource/transport"
	"github.com/procurehub/procurehub/internal/auth"
	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/sftpd"
	"github.com/procurehub/procurehub/internal/store"
	"github.com/procurehub/procurehub/pipelines"
)

// localInbox is what the SFTP server needs of a file-drop partner's
// settings: where its local inbox is and when a file there is complete.
type localInbox struct {
	Inbox      string         `yaml:"inbox"`
	Outbox     string         `yaml:"outbox"`
	Archive    string         `yaml:"archive"`
	Completion string         `yaml:"completion"`
	SettleTime *time.Duration `yaml:"settle_time"`
	DoneMarker string         `yaml:"done_marker"`
	Transport  struct {
		Type string `yaml:"type"`
	} `yaml:"transport"`
}

// sftpInboxes finds the partners whose files are dropped in a local
// directory: the only ones that can have an account on the hosted SFTP
// inbox (the account's root is that directory).
func sftpInboxes(cfg *config.App) map[string]localInbox {
	out := map[string]localInbox{}
	for i := range cfg.Partners {
		p := &cfg.Partners[i]
		var s localInbox
		// Not strict: the kind's own keys are checked by its connector.
		if p.Settings.Kind == 0 || p.Settings.Decode(&s) != nil || s.Inbox == "" {
			continue
		}
		if s.Transport.Type != "" && s.Transport.Type != transport.Dir {
			continue
		}
		out[p.Name] = s
	}
	return out
}

func loadSFTPAccounts(cfg *config.App, inboxes map[string]localInbox, onReloadError func(error)) (*sftpd.Accounts, error) {
	folders := map[string]sftpd.Folders{}
	for name, in := range inboxes {
		folders[name] = sftpd.Folders{Inbox: in.Inbox, Outbox: in.Outbox, Archive: in.Archive}
	}
	return sftpd.LoadAccounts(configPath(cfg, cfg.SFTPServer.Accounts), folders, onReloadError)
}

// CheckSFTPAccounts reads the hosted SFTP inbox's accounts file, when the
// server is enabled, as `procurehub run` would: every account of a
// configured partner with a local inbox, keys ed25519 or RSA of at least
// 3072 bits, passwords hashed. Errors name the file and line.
func CheckSFTPAccounts(cfg *config.App) error {
	if !cfg.SFTPServer.Enabled {
		return nil
	}
	_, err := loadSFTPAccounts(cfg, sftpInboxes(cfg), nil)
	return err
}

// sftpServer is the hosted SFTP inbox of a running hub.
type sftpServer struct {
	srv *sftpd.Server
	ln  net.Listener
}

// startSFTPServer builds the hosted SFTP inbox and binds its port, or
// returns nil when it is off. A complete upload kicks the partner's
// ingestor, so the file is taken at once rather than at the next poll.
func startSFTPServer(cfg *config.App, ingestors []*pipelines.Ingestor, audit auth.AuditStore,
	reg prometheus.Registerer, log *slog.Logger) (*sftpServer, error) {
	sc := cfg.SFTPServer
	if !sc.Enabled {
		return nil, nil
	}
	inboxes := sftpInboxes(cfg)
	accounts, err := loadSFTPAccounts(cfg, inboxes, func(err error) {
		log.Error("sftp accounts file changed but cannot be read; the accounts read before stay in force", "err", err)
	})
	if err != nil {
		return nil, err
	}
	byPartner := map[string]*pipelines.Ingestor{}
	for _, g := range ingestors {
		byPartner[g.Partner] = g
	}
	srv, err := sftpd.New(sftpd.Config{
		Addr: sc.Addr, HostKeyDir: sc.HostKeyDir, Accounts: accounts,
		MaxFileSize: int64(sc.MaxFileSize), FilesPerHour: sc.FilesPerHour, QuotaBytes: int64(sc.QuotaBytes),
		IdleTimeout: sc.IdleTimeout, MaxAuthFailures: sc.MaxAuthFailures, Lockout: sc.Lockout,
		Registerer: reg, Logger: log,
		OnUpload: func(partner, _ string) {
			if g := byPartner[partner]; g != nil {
				kickAfterUpload(g, inboxes[partner])
			}
		},
		Audit: sftpAuditor(audit, log),
	})
	if err != nil {
		return nil, err
	}
	ln, err := srv.Listen()
	if err != nil {
		return nil, err
	}
	return &sftpServer{srv: srv, ln: ln}, nil
}

// kickAfterUpload makes the partner's ingestor poll now. An upload lands
// complete under its final name, but a partner whose completion is
// "stable" only takes a file once it has been seen unchanged for
// settle_time: it is kicked again when that has passed.
func kickAfterUpload(g *pipelines.Ingestor, in localInbox) {
	g.Kick()
	if in.Completion == filesource.CompleteRename || in.DoneMarker != "" {
		return
	}
	settle := filedrop.DefaultSettleTime
	if in.SettleTime != nil {
		settle = *in.SettleTime
	}
	if settle > 0 {
		time.AfterFunc(settle+settle/4+100*time.Millisecond, g.Kick)
	}
}

// sftpAuditor writes the server's events to the audit log, next to the
// API's writes: the partner's login as the user, the key fingerprint as
// the credential, the event itself as "after".
func sftpAuditor(st auth.AuditStore, log *slog.Logger) func(ctx context.Context, e sftpd.Event) {
	return func(ctx context.Context, e sftpd.Event) {
		target := "sftp:" + e.Partner
		if e.File != "" {
			target = "sftp:" + e.Partner + ":" + e.File
		}
		cred := "sftp"
		if e.Key != "" {
			cred = "sftp-key:" + e.Key
		} else if e.Method != "" {
			cred = "sftp-" + e.Method
		}
		outcome := store.AuditOK
		switch e.Outcome {
		case sftpd.OutcomeDenied:
			outcome = store.AuditDenied
		case sftpd.OutcomeFailed:
			outcome = store.AuditFailed
		}
		after, _ := json.Marshal(e)
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := st.AppendAudit(ctx, store.AuditEntry{
			UserID: "sftp:" + e.Partner, Credential: cred, Action: e.Action, Target: target, After: after, Outcome: outcome,
		}); err != nil {
			log.Warn("sftp audit entry not written", "action", e.Action, "partner", e.Partner, "err", err)
		}
	}
}
