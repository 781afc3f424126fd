package notify

import (
	"errors"
	"strings"
	"testing"

	"github.com/procurehub/procurehub/internal/config"
)

func TestConfigErrorsNameTheirPlaceInTheFile(t *testing.T) {
	for _, c := range []struct {
		file string
		want []string // each a line of the error
	}{
		{"unknown-key.yaml", []string{`testdata/unknown-key.yaml:7:5: unknown key "min_severty" (did you mean "min_severity"?)`}},
		{"literal-secret.yaml", []string{`testdata/literal-secret.yaml:5:15: credentials come from the environment: write ${SOME_VAR} here, not the value`}},
		{"unset-variable.yaml", []string{`testdata/unset-variable.yaml:5:15: environment variable OPS_HOOK_SECRET_NOT_SET is not set`}},
		{"route-to-unknown-channel.yaml", []string{`testdata/route-to-unknown-channel.yaml:9:16: route "critical": no channel named "ops-webhok" (did you mean "ops-webhook"?)`}},
		{"two-ways-in-one-channel.yaml", []string{`testdata/two-ways-in-one-channel.yaml:2:5: channel "acme": set exactly one of webhook, email and in_app`}},
		{"login-without-starttls.yaml", []string{
			`testdata/login-without-starttls.yaml:8:17: channel "buyer-email": a login needs starttls: required, so that the password never crosses the network in clear`,
			`testdata/login-without-starttls.yaml:9:31: channel "buyer-email": "Ben <ben@acme.example>" is not a bare email address (name@example.com)`,
		}},
		{"broken-template.yaml", []string{`testdata/broken-template.yaml:7:14: template of eta_after_promised: eta_after_promised.subject:1: bad character U+007D '}'`}},
		{"bad-severity.yaml", []string{
			`testdata/bad-severity.yaml:1:11: attempts must be from 1 to 100, got -1`,
			`testdata/bad-severity.yaml:8:19: route 0: min_severity "urgent" is not warning or critical`,
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			_, err := LoadFile("testdata/"+c.file, testEnv)
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				var ces config.Errors
				if !errors.As(err, &ces) {
					t.Errorf("error %T; want *config.Error or config.Errors", err)
				}
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", err, strings.Join(c.want, "\n"))
			}
			if strings.Contains(err.Error(), "s3cr3t-in-the-file") {
				t.Error("the error shows the secret")
			}
		})
	}
}

func TestTheExampleConfigLoadsAndRoutesACMEsAlertsToItsBuyers(t *testing.T) {
	const path = "../../configs/notifications.yaml"
	env := func(name string) (string, bool) {
		v, ok := map[string]string{
			"PROCUREHUB_OPS_WEBHOOK_SECRET": "example",
			"PROCUREHUB_SMTP_PASSWORD":      "example",
		}[name]
		return v, ok
	}
	cfg, err := LoadFile(path, env)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n, err := New(cfg, openStore(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range n.targets(lateOrder()) { // critical, buyer ACME
		got = append(got, tg.ch.name+" "+tg.recipient)
	}
	want := "ops-webhook https://ops.example.com, acme-inbox ACME, purchasing-email purchasing@acme.example, purchasing-email logistics@acme.example"
	if strings.Join(got, ", ") != want {
		t.Errorf("ACME's critical alert goes to\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
	// Without the SMTP password in the environment the file says where it is missing.
	_, err = LoadFile(path, func(name string) (string, bool) {
		if name == "PROCUREHUB_SMTP_PASSWORD" {
			return "", false
		}
		return env(name)
	})
	if err == nil || !strings.Contains(err.Error(), "configs/notifications.yaml:") ||
		!strings.Contains(err.Error(), "environment variable PROCUREHUB_SMTP_PASSWORD is not set") {
		t.Errorf("without the SMTP password: %v; want its position and name", err)
	}
}
