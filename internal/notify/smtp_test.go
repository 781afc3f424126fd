package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailbox is an SMTP server on loopback, in the test process: it offers
// STARTTLS with a self-signed certificate and AUTH PLAIN (only over TLS),
// and keeps what it receives.
type mailbox struct {
	Addr   string
	Port   int
	CAFile string // PEM of the server's certificate, for ca_file

	mu   sync.Mutex
	got  []received
	fail []error // the next DATA commands answer these, in order
}

// received is one message as the server took it.
type received struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool   // the message came over TLS
	Username string // who logged in
	Password string
}

// startMailbox starts a mailbox; tlsOn false makes a server without STARTTLS.
func startMailbox(t *testing.T, tlsOn bool) *mailbox {
	t.Helper()
	m := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{m: m, c: c}, nil
	}))
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if tlsOn {
		cert, pemBytes := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		m.CAFile = filepath.Join(t.TempDir(), "mailbox-ca.pem")
		if err := os.WriteFile(m.CAFile, pemBytes, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.Addr = l.Addr().String()
	m.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l) // returns when Close closes the listener
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return m
}

// failNext makes the next DATA commands answer errs, one each.
func (m *mailbox) failNext(errs ...error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = append(m.fail, errs...)
}

func (m *mailbox) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.got...)
}

type session struct {
	m          *mailbox
	c          *smtp.Conn
	cur        received
	user, pass string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "hub" || password != "smtp-pass-from-env" {
			return smtp.ErrAuthFailed
		}
		s.user, s.pass = username, password
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur = received{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == "nobody@acme.example" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if len(s.m.fail) > 0 {
		err := s.m.fail[0]
		s.m.fail = s.m.fail[1:]
		return err
	}
	_, tlsOn := s.c.TLSConnectionState()
	s.cur.Data, s.cur.TLS, s.cur.Username, s.cur.Password = b, tlsOn, s.user, s.pass
	s.m.got = append(s.m.got, s.cur)
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// tryLater is the SMTP answer of a server that cannot take mail now.
var tryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and its PEM.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mail.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes
}
