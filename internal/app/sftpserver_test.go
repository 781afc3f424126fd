package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/procurehub/procurehub/internal/config"
	"github.com/procurehub/procurehub/internal/sftpd/sftptest"
	"github.com/procurehub/procurehub/internal/store"
)

// sftpHubConfig has two suppliers that drop ERP exports, both with an
// account on the hosted SFTP inbox. supplier-a polls once an hour: only the
// upload's kick can make its files be taken within the test.
const sftpHubConfig = `
broker:
  embedded: true
  addr: 127.0.0.1:0
  data_dir: $DIR/kafka
  partitions: 2
store:
  driver: sqlite
  dsn: $DIR/hub.db
  migrate_on_start: true
http:
  addr: 127.0.0.1:0
sftp_server:
  enabled: true
  addr: 127.0.0.1:0
  host_key_dir: $DIR/sftp-keys
  accounts: accounts.yaml
  max_file_size: 8MiB
  quota_bytes: 8MiB
partners:
  - name: supplier-a
    kind: erp_export
    settings:
      inbox: $DIR/inbox/supplier-a
      completion: rename
      poll_interval: 1h
      mapping: $MAPPING
  - name: supplier-b
    kind: erp_export
    settings:
      inbox: $DIR/inbox/supplier-b
      settle_time: 300ms
      poll_interval: 1h
      mapping: $MAPPING
`

type sftpHub struct {
	*sftptest.Client
	hub   *Hub
	dir   string
	inbox map[string]string
	keys  map[string]string
}

// startSFTPHub runs a hub with the hosted SFTP inbox; accounts is the
// accounts file with $KEY_A and $KEY_B for the suppliers' public keys.
func startSFTPHub(t *testing.T, accounts string) (*sftpHub, error) {
	t.Helper()
	sftptest.RequireClient(t)
	dir := t.TempDir()
	h := &sftpHub{dir: dir, inbox: map[string]string{}, keys: map[string]string{}}
	for _, p := range []string{"supplier-a", "supplier-b"} {
		h.inbox[p] = filepath.Join(dir, "inbox", p)
		if err := os.MkdirAll(h.inbox[p], 0o755); err != nil {
			t.Fatal(err)
		}
		key, pub := sftptest.NewKey(t, dir, p)
		h.keys[p] = key
		accounts = strings.ReplaceAll(accounts, "$KEY_"+strings.ToUpper(p[len(p)-1:]), pub)
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts.yaml"), []byte(accounts), 0o644); err != nil {
		t.Fatal(err)
	}
	mapping, _ := filepath.Abs("testdata/buyer.mapping.yaml")
	doc := strings.NewReplacer("$DIR", dir, "$MAPPING", mapping).Replace(sftpHubConfig)
	cfgPath := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(cfgPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	var logw io.Writer = io.Discard
	if os.Getenv("PROCUREHUB_TEST_LOG") != "" {
		logw = os.Stderr
	}
	var banner strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan *Hub, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Config: cfg, Registry: reg, Logger: slog.New(slog.NewTextHandler(logw, nil)), Out: &banner,
			Started: func(h *Hub) { started <- h }})
	}()
	select {
	case h.hub = <-started:
	case err := <-done:
		cancel()
		return nil, err
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("hub did not start within 60s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(60 * time.Second):
			t.Error("hub did not stop within 60s")
		}
	})
	if h.hub.SFTPAddr == "" || !strings.Contains(banner.String(), "host key    ssh-ed25519 SHA256:") {
		t.Fatalf("the banner does not show the SFTP inbox and its host keys:\n%s", banner.String())
	}
	// The portal shows partners the same address and fingerprints.
	resp, err := http.Get("http://" + h.hub.HTTPAddr + "/api/v1/sftp")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Addr     string   `json:"addr"`
		HostKeys []string `json:"host_keys"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if err != nil || info.Addr != h.hub.SFTPAddr || !slices.Equal(info.HostKeys, h.hub.SFTPHostKeys) || len(info.HostKeys) != 2 {
		t.Fatalf("GET /api/v1/sftp = %+v, %v; want %s and %q", info, err, h.hub.SFTPAddr, h.hub.SFTPHostKeys)
	}
	var keys []ssh.PublicKey
	for _, name := range []string{"ssh_host_ed25519_key", "ssh_host_rsa_key"} {
		b, err := os.ReadFile(filepath.Join(dir, "sftp-keys", name))
		if err != nil {
			t.Fatal(err)
		}
		signer, err := ssh.ParsePrivateKey(b)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, signer.PublicKey())
	}
	h.Client = sftptest.NewClient(t, h.hub.SFTPAddr, keys)
	return h, nil
}

const twoAccounts = `accounts:
  - partner: supplier-a
    public_keys: ["$KEY_A"]
  - partner: supplier-b
    public_keys: ["$KEY_B"]
`

// receipt downloads a receipt from the partner's outbox with sftp get,
// waiting for it to appear.
func (h *sftpHub) receipt(t *testing.T, partner, name string) map[string]any {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name+".receipt.json")
	var out string
	eventually(t, "receipt of "+name+" in "+partner+"'s outbox", func() bool {
		var err error
		out, err = h.Run(h.keys[partner], partner, "get /outbox/"+name+".receipt.json "+dst+"\n")
		return err == nil
	})
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func writeOrders(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("po,date,supplier,currency,line,sku,qty,unit,price\n")
	for i := range n {
		fmt.Fprintf(&b, "PO-SFTP-%05d,2026-03-01,SUP-A,EUR,1,A-100,1,EA,1.00\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHostedSFTPInbox(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	h, err := startSFTPHub(t, twoAccounts)
	if err != nil {
		t.Fatal(err)
	}
	local := t.TempDir()

	t.Run("an upload is taken at once and its receipt is in the outbox", func(t *testing.T) {
		src, _ := filepath.Abs("testdata/two-orders.csv")
		start := time.Now()
		if out, err := h.Run(h.keys["supplier-a"], "supplier-a", "put "+src+" two-orders.csv\n"); err != nil {
			t.Fatalf("put: %v\n%s", err, out)
		}
		r := h.receipt(t, "supplier-a", "two-orders.csv")
		if r["status"] != "done" || r["accepted"].(float64) != 2 {
			t.Fatalf("receipt %v", r)
		}
		// supplier-a polls once an hour: the kick took it.
		if took := time.Since(start); took > 20*time.Second {
			t.Fatalf("taken after %s", took)
		}
		out, err := h.Run(h.keys["supplier-a"], "supplier-a", "ls -1 /archive/"+time.Now().UTC().Format("2006/01/02")+"\n")
		if err != nil || !strings.Contains(out, "two-orders.csv") {
			t.Fatalf("the archive does not show the file: %v\n%s", err, out)
		}
	})

	t.Run("a partner with a stable-file inbox gets its upload taken after settle_time", func(t *testing.T) {
		src := filepath.Join(local, "b-orders.csv")
		writeOrders(t, src, 3)
		if out, err := h.Run(h.keys["supplier-b"], "supplier-b", "put "+src+" /inbox/b-orders.csv\n"); err != nil {
			t.Fatalf("put: %v\n%s", err, out)
		}
		if r := h.receipt(t, "supplier-b", "b-orders.csv"); r["status"] != "done" {
			t.Fatalf("receipt %v", r)
		}
	})

	t.Run("a partner cannot list or read another partner's files", func(t *testing.T) {
		out, err := h.Run(h.keys["supplier-b"], "supplier-b", "ls -1 /outbox\nls -1 /archive\n")
		if err != nil {
			t.Fatalf("ls: %v\n%s", err, out)
		}
		if strings.Contains(out, "two-orders") {
			t.Fatalf("supplier-b sees supplier-a's files:\n%s", out)
		}
		for _, path := range []string{
			"/outbox/two-orders.csv.receipt.json",
			"../supplier-a/outbox/two-orders.csv.receipt.json",
			filepath.Join(h.inbox["supplier-a"], "outbox", "two-orders.csv.receipt.json"),
		} {
			if out, err := h.Run(h.keys["supplier-b"], "supplier-b", "get "+path+" "+local+"/stolen\n"); err == nil {
				t.Fatalf("get %s worked:\n%s", path, out)
			}
		}
		if _, err := os.Stat(filepath.Join(local, "stolen")); err == nil {
			t.Fatal("a file was downloaded")
		}
	})

	t.Run("dot-dot and absolute paths are refused", func(t *testing.T) {
		src := filepath.Join(local, "x.csv")
		writeOrders(t, src, 1)
		for _, cmd := range []string{
			"put " + src + " ../x.csv", "put " + src + " ../../../x.csv", "put " + src + " " + filepath.Join(h.dir, "x.csv"),
			"get ../../../../etc/passwd " + local + "/p", "get /etc/passwd " + local + "/p",
		} {
			if out, err := h.Run(h.keys["supplier-a"], "supplier-a", cmd+"\n"); err == nil {
				t.Fatalf("%s worked:\n%s", cmd, out)
			}
		}
		if _, err := os.Stat(filepath.Join(h.dir, "x.csv")); err == nil {
			t.Fatal("a file was written outside the inbox")
		}
	})

	t.Run("a wrong key is refused and audited", func(t *testing.T) {
		if out, err := h.Run(h.keys["supplier-b"], "supplier-a", "ls /\n"); err == nil {
			t.Fatalf("supplier-b's key logged in as supplier-a:\n%s", out)
		}
		// The server audits a refused login after the client has gone.
		var denied, uploads int
		deadline := time.Now().Add(5 * time.Second)
		for denied == 0 && time.Now().Before(deadline) {
			entries, _, err := h.hub.Store.ListAudit(context.Background(), store.AuditFilter{UserID: "sftp:supplier-a", Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			denied, uploads = 0, 0
			for _, e := range entries {
				switch {
				case e.Action == "sftp login" && e.Outcome == store.AuditDenied:
					denied++
					if strings.Contains(string(e.After), "PRIVATE") {
						t.Fatalf("key material in the audit log: %s", e.After)
					}
				case e.Action == "sftp upload" && e.Outcome == store.AuditOK:
					uploads++
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		if denied != 1 || uploads == 0 {
			t.Fatalf("audit log: %d denied logins, %d uploads of supplier-a", denied, uploads)
		}
	})

	t.Run("an upload over the quota is refused with a clear error and nothing is taken", func(t *testing.T) {
		// supplier-b's folders already hold 6 MiB of 8.
		os.MkdirAll(filepath.Join(h.inbox["supplier-b"], "archive"), 0o755)
		if err := os.WriteFile(filepath.Join(h.inbox["supplier-b"], "archive", "old.bin"), make([]byte, 6<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(local, "quota.csv")
		writeOrders(t, src, 60000) // about 3 MiB
		out, err := h.Run(h.keys["supplier-b"], "supplier-b", "put "+src+" /inbox/quota.csv\n")
		if err == nil {
			t.Fatalf("the upload worked:\n%s", out)
		}
		if !strings.Contains(out, "quota exceeded") {
			t.Fatalf("the client was not told why:\n%s", out)
		}
		time.Sleep(time.Second) // settle_time and a poll
		if entries := visibleFiles(t, h.inbox["supplier-b"]); len(entries) != 0 {
			t.Fatalf("the inbox holds %v", entries)
		}
		if _, err := os.Stat(filepath.Join(h.inbox["supplier-b"], "outbox", "quota.csv.receipt.json")); err == nil {
			t.Fatal("the refused upload was taken")
		}
		os.Remove(filepath.Join(h.inbox["supplier-b"], "archive", "old.bin"))
	})

	t.Run("a connection dropped mid-upload leaves nothing; the retry is taken once", func(t *testing.T) {
		src := filepath.Join(local, "big.csv")
		writeOrders(t, src, 2000) // about 100 KiB, sent at 16 kbit/s: a minute
		cmd := h.Command(h.keys["supplier-a"], "supplier-a", "put "+src+" /inbox/big.csv\n", "-l", "16")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the upload under way", func() bool {
			parts, _ := filepath.Glob(filepath.Join(h.inbox["supplier-a"], ".big.csv*.part"))
			return len(parts) == 1
		})
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		eventually(t, "the part file removed", func() bool {
			parts, _ := filepath.Glob(filepath.Join(h.inbox["supplier-a"], ".big.csv*"))
			return len(parts) == 0
		})
		if entries := visibleFiles(t, h.inbox["supplier-a"]); len(entries) != 0 {
			t.Fatalf("the inbox holds %v", entries)
		}
		if _, err := os.Stat(filepath.Join(h.inbox["supplier-a"], "outbox", "big.csv.receipt.json")); err == nil {
			t.Fatal("the cut upload was taken")
		}
		if out, err := h.Run(h.keys["supplier-a"], "supplier-a", "put "+src+" /inbox/big.csv\n"); err != nil {
			t.Fatalf("retry: %v\n%s", err, out)
		}
		r := h.receipt(t, "supplier-a", "big.csv")
		if r["status"] != "done" || r["accepted"].(float64) != 2000 {
			t.Fatalf("receipt %v", r)
		}
		archived, _ := filepath.Glob(filepath.Join(h.inbox["supplier-a"], "archive", "*", "*", "*", "big*.csv"))
		if len(archived) != 1 {
			t.Fatalf("archived %v, want one big.csv", archived)
		}
		eventually(t, "the last order of the retried file in the store", func() bool {
			o, err := h.hub.Store.GetOrder(context.Background(), "BUYER-1", "PO-SFTP-01999")
			return err == nil && o.Version == 1
		})
	})
}

// visibleFiles lists the regular files of an inbox directory a poll could take.
func visibleFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestHostedSFTPInboxRefusesSmallRSAKeysAtStart(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := ssh.NewPublicKey(&k.PublicKey)
	accounts := fmt.Sprintf("accounts:\n  - partner: supplier-a\n    public_keys: [%q]\n", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))))
	_, err = startSFTPHub(t, accounts)
	if err == nil || !strings.Contains(err.Error(), "RSA key of 2048 bits") || !strings.Contains(err.Error(), "accounts.yaml:") {
		t.Fatalf("start: %v", err)
	}
}

func TestSFTPServerConfigIsCheckedWithPositions(t *testing.T) {
	doc := `broker: {embedded: true}
sftp_server:
  enabled: true
  addr: nowhere
  max_file_size: 10MiB
  quota_bytes: 1MiB
  lockout: -1m
`
	_, err := config.LoadBytes("hub.yaml", t.TempDir(), []byte(doc), func(string) (string, bool) { return "", false })
	if err == nil {
		t.Fatal("a bad sftp_server section was accepted")
	}
	for _, want := range []string{
		"hub.yaml:2:1: sftp_server.accounts: required",
		`hub.yaml:4:3: sftp_server.addr: "nowhere" is not host:port`,
		"hub.yaml:6:3: sftp_server.quota_bytes: 1048576 is below max_file_size 10485760",
		"hub.yaml:7:3: sftp_server.lockout: -1m0s is negative",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	cfg, err := config.LoadBytes("hub.yaml", t.TempDir(), []byte("broker: {embedded: true}\nsftp_server: {enabled: true, accounts: a.yaml, max_file_size: 2GiB}\n"),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if sf := cfg.SFTPServer; sf.Addr != "127.0.0.1:2222" || sf.HostKeyDir != "./var/sftp" || sf.MaxFileSize != 2<<30 || sf.Lockout != 15*time.Minute {
		t.Fatalf("defaults: %+v", sf)
	}
}
