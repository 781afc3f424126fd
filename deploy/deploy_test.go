package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// doc is one YAML document of a file under deploy/.
type doc struct {
	file string
	m    map[string]any
}

// loadDocs parses every YAML file under deploy/ (all documents of each).
func loadDocs(t *testing.T) []doc {
	t.Helper()
	var docs []doc
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		n++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			var m map[string]any
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: document %d: %w", path, i+1, err)
			}
			if m != nil {
				docs = append(docs, doc{file: path, m: m})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("found %d YAML files under deploy/, want compose.yaml and the Kubernetes manifests", n)
	}
	return docs
}

// get walks m along keys (map keys or list indexes as strings).
func get(v any, keys ...string) any {
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func list(v any) []any { l, _ := v.([]any); return l }

func mapping(v any) map[string]any { m, _ := v.(map[string]any); return m }

var requiredVarRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// requiredEnv returns the ${NAME} references without a default in
// configs/production.yaml and the config files it names (notifications,
// warning rules...): the variables a production deployment must set.
func requiredEnv(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	var files []string
	var visit func(path string)
	visit = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		files = append(files, path)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(b, &root); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.ScalarNode {
				for _, m := range requiredVarRe.FindAllStringSubmatch(n.Value, -1) {
					seen["$"+m[1]] = true
				}
				if strings.HasSuffix(n.Value, ".yaml") && !strings.ContainsAny(n.Value, "/\\$") {
					if p := filepath.Join(filepath.Dir(path), n.Value); fileExists(p) {
						visit(p)
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&root)
	}
	visit(filepath.Join("..", "configs", "production.yaml"))
	var names []string
	for k := range seen {
		if strings.HasPrefix(k, "$") {
			names = append(names, k[1:])
		}
	}
	slices.Sort(names)
	for _, must := range []string{"PROCUREHUB_KAFKA_BROKERS", "PROCUREHUB_POSTGRES_DSN"} {
		if !slices.Contains(names, must) {
			t.Fatalf("configs/production.yaml no longer requires %s? required: %v (files %v)", must, names, files)
		}
	}
	return names
}

func fileExists(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }

func TestRequiredEnv(t *testing.T) {
	t.Logf("required by configs/production.yaml and its files: %v", requiredEnv(t))
}

func find(docs []doc, kind, name string) *doc {
	for i := range docs {
		if str(docs[i].m["kind"]) == kind && str(get(docs[i].m, "metadata", "name")) == name {
			return &docs[i]
		}
	}
	return nil
}

// quantity parses a Kubernetes or compose memory size ("512Mi", "512M",
// "410MiB", "1G") into bytes. Compose's M and G are binary, like Docker's.
func quantity(s string) (float64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30},
		{"k", 1 << 10}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			f, err := strconv.ParseFloat(strings.TrimSuffix(s, u.suffix), 64)
			return f * u.mult, err
		}
	}
	return strconv.ParseFloat(s, 64)
}

// checkMemory fails unless the Go soft limit is 70–90% of the container's.
func checkMemory(t *testing.T, where, goLimit, containerLimit string) {
	t.Helper()
	g, err1 := quantity(goLimit)
	c, err2 := quantity(containerLimit)
	if err1 != nil || err2 != nil || c == 0 {
		t.Errorf("%s: PROCUREHUB_MEMORY_LIMIT %q / memory limit %q: not sizes", where, goLimit, containerLimit)
		return
	}
	if r := g / c; r < 0.7 || r > 0.9 {
		t.Errorf("%s: PROCUREHUB_MEMORY_LIMIT %s is %.0f%% of the memory limit %s, want about 80%%", where, goLimit, r*100, containerLimit)
	}
}

func TestKubernetesDeployment(t *testing.T) {
	docs := loadDocs(t)
	required := requiredEnv(t)
	dep := find(docs, "Deployment", "procurehub")
	if dep == nil {
		t.Fatal("no Deployment procurehub under deploy/kubernetes")
	}
	if r := str(get(dep.m, "spec", "replicas")); r != "3" {
		t.Errorf("Deployment replicas = %q, want 3", r)
	}
	pod := get(dep.m, "spec", "template", "spec")
	containers := list(get(pod, "containers"))
	if len(containers) == 0 {
		t.Fatal("Deployment has no containers")
	}
	c := mapping(containers[0])

	// Ports and probes.
	portNames := map[string]bool{}
	for _, p := range list(c["ports"]) {
		portNames[str(get(p, "name"))] = true
		portNames[str(get(p, "containerPort"))] = true
	}
	if !portNames["8080"] {
		t.Errorf("container ports %v: want containerPort 8080 (PROCUREHUB_HTTP_ADDR)", c["ports"])
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		got := str(get(c, probe, "httpGet", "path"))
		port := str(get(c, probe, "httpGet", "port"))
		if got != path {
			t.Errorf("%s path = %q, want %s", probe, got, path)
		}
		if port == "" || port == "<nil>" || !portNames[port] {
			t.Errorf("%s port = %q, want the container's port", probe, port)
		}
	}

	// Resources.
	for _, k := range []string{"requests", "limits"} {
		for _, r := range []string{"cpu", "memory"} {
			if get(c, "resources", k, r) == nil {
				t.Errorf("container resources.%s.%s not set", k, r)
			}
		}
	}

	// Environment: env entries plus every key of the ConfigMaps and Secrets in envFrom.
	env := map[string]string{}
	for _, e := range list(c["env"]) {
		env[str(get(e, "name"))] = str(get(e, "value"))
	}
	for _, ef := range list(c["envFrom"]) {
		for kind, ref := range map[string]string{"ConfigMap": "configMapRef", "Secret": "secretRef"} {
			name := str(get(ef, ref, "name"))
			if get(ef, ref) == nil {
				continue
			}
			src := find(docs, kind, name)
			if src == nil {
				t.Errorf("envFrom %s %q: no such %s under deploy/kubernetes", ref, name, kind)
				continue
			}
			for _, field := range []string{"data", "stringData"} {
				for k, v := range mapping(src.m[field]) {
					env[k] = str(v)
				}
			}
		}
	}
	for _, name := range append(required, "PROCUREHUB_HTTP_ADDR", "PROCUREHUB_CONSUMER_GROUP", "PROCUREHUB_MEMORY_LIMIT") {
		if _, ok := env[name]; !ok {
			t.Errorf("Deployment does not provide %s (env or envFrom)", name)
		}
	}
	if a := env["PROCUREHUB_HTTP_ADDR"]; a != "0.0.0.0:8080" {
		t.Errorf("PROCUREHUB_HTTP_ADDR = %q, want 0.0.0.0:8080", a)
	}
	checkMemory(t, "Deployment", env["PROCUREHUB_MEMORY_LIMIT"], str(get(c, "resources", "limits", "memory")))

	// The config files: mounted at /etc/procurehub from a ConfigMap that
	// matches configs/ exactly.
	mounted := ""
	for _, vm := range list(c["volumeMounts"]) {
		if str(get(vm, "mountPath")) == "/etc/procurehub" {
			mounted = str(get(vm, "name"))
		}
	}
	cmName := ""
	for _, v := range list(get(pod, "volumes")) {
		if str(get(v, "name")) == mounted {
			cmName = str(get(v, "configMap", "name"))
		}
	}
	cm := find(docs, "ConfigMap", cmName)
	if mounted == "" || cm == nil {
		t.Fatalf("no ConfigMap mounted at /etc/procurehub (volume %q, ConfigMap %q)", mounted, cmName)
	}
	if _, ok := mapping(cm.m["data"])["production.yaml"]; !ok {
		t.Errorf("ConfigMap %s has no production.yaml", cmName)
	}
	for k, v := range mapping(cm.m["data"]) {
		want, err := os.ReadFile(filepath.Join("..", "configs", k))
		if err != nil {
			t.Errorf("ConfigMap %s: %s: %v", cmName, k, err)
			continue
		}
		if strings.TrimRight(str(v), "\n") != strings.TrimRight(string(want), "\n") {
			t.Errorf("ConfigMap %s: %s differs from configs/%s; copy it again", cmName, k, k)
		}
	}

	// A PodDisruptionBudget and a Service selecting the pods.
	podLabels := mapping(get(dep.m, "spec", "template", "metadata", "labels"))
	selects := func(sel map[string]any) bool {
		if len(sel) == 0 {
			return false
		}
		for k, v := range sel {
			if str(podLabels[k]) != str(v) {
				return false
			}
		}
		return true
	}
	var pdb, svc bool
	for _, d := range docs {
		switch str(d.m["kind"]) {
		case "PodDisruptionBudget":
			pdb = pdb || selects(mapping(get(d.m, "spec", "selector", "matchLabels")))
		case "Service":
			svc = svc || selects(mapping(get(d.m, "spec", "selector")))
		}
	}
	if !pdb {
		t.Error("no PodDisruptionBudget selects the hub's pods")
	}
	if !svc {
		t.Error("no Service selects the hub's pods")
	}
}

// composeEnv reads a compose service's environment (a mapping or a list of
// NAME=value).
func composeEnv(svc map[string]any) map[string]string {
	env := map[string]string{}
	switch e := svc["environment"].(type) {
	case map[string]any:
		for k, v := range e {
			env[k] = str(v)
		}
	case []any:
		for _, item := range e {
			k, v, _ := strings.Cut(str(item), "=")
			env[k] = v
		}
	}
	return env
}

func TestCompose(t *testing.T) {
	docs := loadDocs(t)
	required := requiredEnv(t)
	var compose map[string]any
	for _, d := range docs {
		if filepath.Base(d.file) == "compose.yaml" {
			compose = d.m
		}
	}
	if compose == nil {
		t.Fatal("no deploy/compose.yaml")
	}
	services := mapping(compose["services"])
	words := func(v any) string {
		if l := list(v); l != nil {
			s := make([]string, len(l))
			for i, x := range l {
				s[i] = str(x)
			}
			return strings.Join(s, " ")
		}
		return str(v)
	}
	var hubs []string
	migrate := ""
	replicas := 0
	for name, v := range services {
		svc := mapping(v)
		isHub := strings.Contains(str(svc["image"]), "procurehub") || svc["build"] != nil
		if !isHub {
			continue
		}
		if strings.Contains(words(svc["entrypoint"])+" "+words(svc["command"]), "migrate") {
			migrate = name
			continue
		}
		hubs = append(hubs, name)
		n := 1
		if r := get(svc, "deploy", "replicas"); r != nil {
			n, _ = strconv.Atoi(str(r))
		}
		replicas += n
	}
	slices.Sort(hubs)
	if replicas != 3 {
		t.Errorf("compose runs %d hub replicas (services %v), want 3", replicas, hubs)
	}
	if migrate == "" {
		t.Fatal("compose has no migrate service (procurehub migrate)")
	}
	if get(services, migrate, "restart") != nil && str(get(services, migrate, "restart")) != "no" {
		t.Errorf("migrate is a one-shot; restart = %v", get(services, migrate, "restart"))
	}
	for _, name := range append(hubs, migrate) {
		env := composeEnv(mapping(services[name]))
		for _, v := range append(required, "PROCUREHUB_HTTP_ADDR", "PROCUREHUB_CONSUMER_GROUP") {
			if env[v] == "" {
				t.Errorf("compose service %s: %s not set", name, v)
			}
		}
		if dsn := env["PROCUREHUB_POSTGRES_DSN"]; !strings.Contains(dsn, "${POSTGRES_PASSWORD:?") {
			t.Errorf("compose service %s: PROCUREHUB_POSTGRES_DSN should take its password from ${POSTGRES_PASSWORD:?...}", name)
		}
	}
	for _, name := range hubs {
		svc := mapping(services[name])
		env := composeEnv(svc)
		if a := env["PROCUREHUB_HTTP_ADDR"]; a != "0.0.0.0:8080" {
			t.Errorf("compose service %s: PROCUREHUB_HTTP_ADDR = %q, want 0.0.0.0:8080", name, a)
		}
		if hc := words(get(svc, "healthcheck", "test")); !strings.Contains(hc, "/readyz") {
			t.Errorf("compose service %s: healthcheck %q does not probe /readyz", name, hc)
		}
		mem := str(get(svc, "deploy", "resources", "limits", "memory"))
		if mem == "" {
			t.Errorf("compose service %s: no deploy.resources.limits.memory", name)
		} else {
			checkMemory(t, "compose service "+name, env["PROCUREHUB_MEMORY_LIMIT"], mem)
		}
		if get(svc, "deploy", "resources", "limits", "cpus") == nil {
			t.Errorf("compose service %s: no deploy.resources.limits.cpus", name)
		}
		if c := str(get(svc, "depends_on", migrate, "condition")); c != "service_completed_successfully" {
			t.Errorf("compose service %s: depends_on %s condition = %q, want service_completed_successfully", name, migrate, c)
		}
	}

	var kafka, postgres bool
	for _, v := range services {
		svc := mapping(v)
		img := str(svc["image"])
		if strings.Contains(img, "kafka") && composeEnv(svc)["KAFKA_PROCESS_ROLES"] != "" {
			kafka = true
		}
		if strings.HasPrefix(img, "postgres:15") {
			postgres = true
			if get(svc, "healthcheck", "test") == nil {
				t.Error("compose postgres has no healthcheck")
			}
		}
	}
	if !kafka {
		t.Error("compose has no KRaft Kafka service")
	}
	if !postgres {
		t.Error("compose has no postgres:15 service")
	}
}

var (
	// secretLineRe finds NAME: value or NAME=value where NAME mentions a
	// password or a secret.
	secretLineRe = regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:password|passwd|secret)[A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*)$`)
	// urlCredRe finds the password in scheme://user:password@host.
	urlCredRe = regexp.MustCompile(`://[^/\s:@]+:([^@\s]*)@`)
	// interpRe is an interpolation, ${VAR} or ${VAR:?message}: never a secret.
	interpRe = regexp.MustCompile(`\$\{[^}]*\}`)
)

// placeholder reports whether v (a value after "password:" and the like) is
// no secret: empty, an interpolation (${VAR}, $VAR), a <placeholder>, or a
// reference to one (secretKeyRef, a Secret's name).
func placeholder(v string) bool {
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	switch {
	case v == "", v == "{}", v == "|", v == ">":
		return true
	case strings.HasPrefix(v, "$"), strings.HasPrefix(v, "<"):
		return true
	}
	// The word itself, as in a documented shape postgres://user:password@host.
	switch strings.ToLower(v) {
	case "password", "pass", "secret", "***":
		return true
	}
	return false
}

// leaks returns the lines of text that write a password or secret literally.
func leaks(text string) []string {
	var bad []string
	for i, line := range strings.Split(text, "\n") {
		line := interpRe.ReplaceAllString(line, "$$VAR")
		if m := secretLineRe.FindStringSubmatch(line); m != nil && !placeholder(m[2]) {
			// A key whose value names something else (secretKeyRef: name: ...)
			// is matched on its own line, not here; what is left is a literal.
			bad = append(bad, fmt.Sprintf("line %d: %s", i+1, strings.TrimSpace(line)))
			continue
		}
		for _, m := range urlCredRe.FindAllStringSubmatch(line, -1) {
			if !placeholder(m[1]) {
				bad = append(bad, fmt.Sprintf("line %d: %s", i+1, strings.TrimSpace(line)))
			}
		}
	}
	return bad
}

func TestLeaksDetector(t *testing.T) {
	for _, s := range []string{
		"password: hunter2",
		"  POSTGRES_PASSWORD: hunter2",
		"POSTGRES_PASSWORD=hunter2",
		`PROCUREHUB_OPS_WEBHOOK_SECRET: "s3cr3t"`,
		"dsn: postgres://procurehub:hunter2@db:5432/procurehub",
		"- PROCUREHUB_POSTGRES_DSN=postgres://u:pw@postgres/db",
	} {
		if len(leaks(s)) == 0 {
			t.Errorf("leaks(%q) found nothing", s)
		}
	}
	for _, s := range []string{
		"password: ${PROCUREHUB_SMTP_PASSWORD}",
		"POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}",
		"POSTGRES_PASSWORD=",
		`PROCUREHUB_SMTP_PASSWORD: ""`,
		"secretRef:",
		"dsn: postgres://procurehub:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/procurehub",
		"# postgres://procurehub:<password>@<host>:5432/procurehub",
		`--from-literal=POSTGRES_PASSWORD="$POSTGRES_PASSWORD" \`,
	} {
		if l := leaks(s); len(l) != 0 {
			t.Errorf("leaks(%q) = %v, want none", s, l)
		}
	}
}

// TestNoLiteralSecrets scans every file under deploy/ but the Go files.
func TestNoLiteralSecrets(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, l := range leaks(string(b)) {
			t.Errorf("deploy/%s: a literal password or secret: %s", filepath.ToSlash(path), l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no files scanned")
	}
}
