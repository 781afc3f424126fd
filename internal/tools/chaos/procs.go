package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/procurehub/procurehub/internal/tools/internal/toolkit"
)

// proc is a child process: the broker or the hub. Its output goes to a log
// file (appended to, so that the runs of one scenario are in one file).
type proc struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has ended
	waitErr error         // set before done is closed
}

// startProc starts argv with extra environment; it gets SIGTERM if this
// process dies first.
func startProc(name string, argv, env []string, logPath string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s log: %w", name, err)
	}
	fmt.Fprintf(logf, "----- chaos: %s started at %s\n", name, time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	// The one goroutine that waits for the child; it ends when the child does.
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the end.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to grace, then kills. It returns how the
// process ended; a clean exit is nil.
func (p *proc) stop(grace time.Duration) error {
	if p.exited() {
		return fmt.Errorf("%s had exited: %v", p.name, p.waitErr)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(grace):
		p.kill()
		return fmt.Errorf("%s did not stop within %s of SIGTERM; killed", p.name, grace)
	}
}

// hub is a running `procurehub run`.
type hub struct {
	*proc
	n      int // 1-based, among the run's instances
	base   string
	client *http.Client
	killed bool // on purpose, for good: quiesce does not restart it
}

// get fetches path and returns the status code and body.
func (h *hub) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, b, err
}

// waitReady polls /readyz until it answers 200, the hub ends or timeout.
func (h *hub) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "no answer yet"
	for {
		code, body, err := h.get(ctx, "/readyz")
		switch {
		case err == nil && code == http.StatusOK:
			return nil
		case err == nil:
			last = fmt.Sprintf("%d: %s", code, strings.TrimSpace(string(body)))
		default:
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hub not ready after %s (last: %s)", timeout, last)
		case <-h.done:
			return fmt.Errorf("hub exited before it was ready: %v", h.waitErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// metrics fetches /metrics; a hub that does not answer gives nil.
func (h *hub) metrics(ctx context.Context) samples {
	code, body, err := h.get(ctx, "/metrics")
	if err != nil || code != http.StatusOK {
		return nil
	}
	m, err := parseMetrics(strings.NewReader(string(body)))
	if err != nil {
		return nil
	}
	return m
}

// samples are a hub's /metrics series (toolkit).
type samples = toolkit.Samples

var (
	parseMetrics     = toolkit.ParseMetrics
	freeLoopbackAddr = toolkit.FreeLoopbackAddr
)

// build builds brokerd and, with hub, the hub from the module into dir.
func build(ctx context.Context, dir string, hub bool) (hubBin, brokerBin string, err error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", "", errors.New("not inside the procurehub module: run from the repository")
	}
	root := strings.TrimSuffix(gomod, "/go.mod")
	hubBin, brokerBin = dir+"/procurehub", dir+"/brokerd"
	pkgs := map[string]string{brokerBin: "./internal/tools/brokerd"}
	if hub {
		pkgs[hubBin] = "./cmd/procurehub"
	}
	for bin, pkg := range pkgs {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
		}
	}
	return hubBin, brokerBin, nil
}

// tail returns the last n lines of a log file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
