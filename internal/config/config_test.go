package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func noEnv(string) (string, bool) { return "", false }

func env(kv ...string) Env {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadReportsProblemsWithTheirPosition(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"an unknown key is named with a suggestion", "testdata/unknown-key.yaml",
			[]string{`testdata/unknown-key.yaml:3:3: unknown key "adr" (did you mean "addr"?)`}},
		{"every unset variable is named where it is used", "testdata/missing-var.yaml",
			[]string{"testdata/missing-var.yaml:2:13: environment variable PROCUREHUB_TEST_UNSET_BROKERS is not set",
				"testdata/missing-var.yaml:5:8: environment variable PROCUREHUB_TEST_UNSET_DSN is not set"}},
		{"a partner name used twice is named at its second use", "testdata/duplicate-partner.yaml",
			[]string{`testdata/duplicate-partner.yaml:7:5: partners[1].name: "acme" is used twice`}},
		{"an amendment document in a format that cannot mark a replacement is named at its format", "testdata/amendment-document-in-ubl.yaml",
			[]string{`testdata/amendment-document-in-ubl.yaml:11:7: amendments.documents[1].format: "ubl" is not x12 or edifact (a UBL Order cannot say it replaces one)`}},
		{"settlement limits in the wrong order and a negative tolerance are named where they are written", "testdata/settlement-approval-limits-reversed.yaml",
			[]string{"testdata/settlement-approval-limits-reversed.yaml:8:5: settlement.approval.dual_limit: 10000 is below single_limit 50000",
				"testdata/settlement-approval-limits-reversed.yaml:12:7: settlement.tolerances.by_supplier.SUP-CN-SZP: tolerances must not be negative"}},
		{"broker tls without its key and an unknown sasl mechanism are named where they are written", "testdata/broker-security-mistakes.yaml",
			[]string{"testdata/broker-security-mistakes.yaml:3:3: broker.tls: cert_file and key_file go together",
				`testdata/broker-security-mistakes.yaml:7:5: broker.sasl.mechanism: "scram-sha-1" is not plain, scram-sha-256 or scram-sha-512`}},
		{"sasl plain without tls and without a password is refused", "testdata/broker-plain-sasl-without-tls.yaml",
			[]string{"testdata/broker-plain-sasl-without-tls.yaml:3:3: broker.sasl: plain needs username and password (use ${ENV} for the password)",
				"testdata/broker-plain-sasl-without-tls.yaml:4:5: broker.sasl.mechanism: plain sends the password in clear text; enable broker.tls with it"}},
		{"a value of the wrong type is named at the value", "testdata/wrong-type.yaml",
			[]string{"testdata/wrong-type.yaml:3:15: cannot unmarshal !!str `many` into int"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.file, noEnv)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v (%T), want config.Errors", err, err)
			}
			got := strings.Split(errs.Error(), "\n")
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestInterpolation(t *testing.T) {
	doc := `broker:
  brokers: ["${BROKERS}"]
  consumer_group: ${GROUP:-procurehub-eu}
  partitions: ${PARTS}
store:
  driver: postgres
  dsn: "${DSN}"
http:
  addr: "$${NOT_A_VAR}"
`
	a, err := LoadBytes("inline.yaml", ".", []byte(doc), env("BROKERS", "k1:9092, k2:9092", "PARTS", "8", "DSN", "postgres://u:s3cret@db/x"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("comma-separated brokers become a list", func(t *testing.T) {
		if fmt.Sprint(a.Broker.Brokers) != "[k1:9092 k2:9092]" {
			t.Errorf("brokers = %q", a.Broker.Brokers)
		}
	})
	t.Run("a default applies when the variable is unset", func(t *testing.T) {
		if a.Broker.ConsumerGroup != "procurehub-eu" {
			t.Errorf("consumer_group = %q", a.Broker.ConsumerGroup)
		}
	})
	t.Run("an interpolated number keeps its type", func(t *testing.T) {
		if a.Broker.Partitions != 8 {
			t.Errorf("partitions = %d", a.Broker.Partitions)
		}
	})
	t.Run("$${ is a literal ${", func(t *testing.T) {
		if a.HTTP.Addr != "${NOT_A_VAR}" {
			t.Errorf("addr = %q", a.HTTP.Addr)
		}
	})
	t.Run("the DSN never prints", func(t *testing.T) {
		var b strings.Builder
		slog.New(slog.NewTextHandler(&b, nil)).Info("store", "dsn", a.Store.DSN)
		out := b.String() + fmt.Sprint(a.Store.DSN) + fmt.Sprintf("%v %s", a.Store.DSN, a.Store.DSN)
		if strings.Contains(out, "s3cret") {
			t.Errorf("secret printed: %s", out)
		}
		if a.Store.DSN.Reveal() != "postgres://u:s3cret@db/x" {
			t.Error("Reveal lost the value")
		}
	})
}

func TestDefaults(t *testing.T) {
	a, err := LoadBytes("min.yaml", ".", []byte("broker:\n  embedded: true\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if a.Broker.Addr != "127.0.0.1:9092" || a.Store.Driver != "sqlite" || a.Store.DSN.Reveal() != "./var/procurehub.db" || a.HTTP.Addr != "127.0.0.1:8080" {
		t.Errorf("defaults = %+v %+v %+v", a.Broker, a.Store, a.HTTP)
	}
}

func TestEmptyAndBrokenFiles(t *testing.T) {
	for name, doc := range map[string]string{
		"an empty file":             "",
		"a tab-indented file":       "broker:\n\tembedded: true\n",
		"a list where a map is due": "- 1\n- 2\n",
	} {
		t.Run(name+" is an error with a position", func(t *testing.T) {
			_, err := LoadBytes("bad.yaml", ".", []byte(doc), noEnv)
			if err == nil || !strings.HasPrefix(err.Error(), "bad.yaml:") {
				t.Fatalf("err = %v, want bad.yaml:line:col", err)
			}
		})
	}
}

func TestCredentialsComeOnlyFromTheEnvironment(t *testing.T) {
	type transport struct {
		User     string     `yaml:"user"`
		Password Credential `yaml:"password"`
	}
	decode := func(src string, e Env) (transport, error) {
		var v transport
		doc, err := Parse("partner.yaml", []byte(src), e)
		if err != nil {
			return v, err
		}
		return v, Decode(doc.File, doc.Root, &v)
	}
	v, err := decode("user: acme\npassword: ${ACME_SFTP_PASSWORD}\n", env("ACME_SFTP_PASSWORD", "s3cret"))
	if err != nil || v.Password.Reveal() != "s3cret" {
		t.Fatalf("password from the environment: %q, %v", v.Password.Reveal(), err)
	}
	if s := fmt.Sprint(v.Password); s != "***" {
		t.Errorf("a credential prints as %q; want ***", s)
	}
	_, err = decode("user: acme\npassword: s3cret\n", noEnv)
	if err == nil || !strings.Contains(err.Error(), "partner.yaml:2:") || !strings.Contains(err.Error(), "environment") {
		t.Errorf("a literal password: err = %v; want an error at partner.yaml:2 asking for ${VAR}", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %v", err)
	}
	if v, err := decode("user: acme\n", noEnv); err != nil || v.Password.Reveal() != "" {
		t.Errorf("no password: %q, %v; want none and no error", v.Password.Reveal(), err)
	}
}

func TestRuntimeMemoryLimit(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "220MiB": 220 << 20, "1GiB": 1 << 30, " 512 KiB ": 512 << 10, "4096B": 4096} {
		if got, err := (Runtime{MemoryLimit: in}).MemoryLimitBytes(); err != nil || got != want {
			t.Errorf("%q = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"220MB", "220", "-1MiB", "0MiB", "1.5GiB", "lots"} {
		if _, err := (Runtime{MemoryLimit: in}).MemoryLimitBytes(); err == nil {
			t.Errorf("%q was taken; want an error naming it", in)
		}
	}
}
