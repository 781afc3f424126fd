package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/procurehub/procurehub/internal/app"
	"github.com/procurehub/procurehub/internal/config"
)

// hubModeArg is the first argument that makes this program the hub under
// test (see runHubMode) instead of the benchmark.
const hubModeArg = "hub"

// Signals the benchmark sends a profiled hub.
const (
	sigProfileStart = syscall.SIGUSR1 // start the CPU profile: the file is about to be moved in
	sigProfileStop  = syscall.SIGUSR2 // stop it and write heap profiles: the store holds every line
)

// runHubMode is `benche2e hub -config FILE -profile-dir DIR`: the hub as
// `procurehub run --config FILE` runs it (the same app.Run, registry and
// logger), plus profiling for -profile runs. Between sigProfileStart and
// sigProfileStop it writes DIR/cpu.pprof; at sigProfileStop DIR/heap.pprof
// (in-use and allocated since start); meanwhile DIR/heap-peak.pprof is
// rewritten whenever the live heap grows by a tenth over its last peak. It
// stops on SIGTERM or SIGINT, like the binary.
func runHubMode(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benche2e hub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "hub config `FILE`")
	profDir := fs.String("profile-dir", "", "where profiles go")
	if err := fs.Parse(args); err != nil || *cfgPath == "" || *profDir == "" {
		fmt.Fprintln(stderr, "usage: benche2e hub -config FILE -profile-dir DIR")
		return 2
	}
	// Registered before anything starts: an unhandled SIGUSR1 ends a process.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, sigProfileStart, sigProfileStop)
	defer signal.Stop(sigs)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := config.Load(*cfgPath, os.LookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "benche2e hub:", err)
		return 1
	}
	reg, err := app.Builtins()
	if err != nil {
		fmt.Fprintln(stderr, "benche2e hub:", err)
		return 1
	}
	app.ApplyRuntime(cfg.Runtime, log) // as procurehub run does
	p := &profiler{dir: *profDir, log: log}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.run(gctx, sigs) })
	g.Go(func() error { return app.Run(gctx, app.Options{Config: cfg, Registry: reg, Logger: log, Out: stdout}) })
	if err := g.Wait(); err != nil {
		fmt.Fprintln(stderr, "benche2e hub:", err)
		return 1
	}
	return 0
}

// profiler writes the profiles of a profiled hub; run owns its state.
type profiler struct {
	dir string
	log *slog.Logger

	cpu      *os.File // open while the CPU profile runs
	watching bool     // between start and stop: keep the peak heap
	peak     uint64   // largest live heap seen (bytes of heap objects)
	peakMem  uint64   // largest memory the Go runtime held from the OS
}

// run handles the profiling signals until ctx ends; it then stops a CPU
// profile still running. Errors are logged: a failed profile must not stop
// the hub under test.
func (p *profiler) run(ctx context.Context, sigs <-chan os.Signal) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			p.stopCPU()
			return nil
		case s := <-sigs:
			switch s {
			case sigProfileStart:
				p.startCPU()
			case sigProfileStop:
				p.stopCPU()
				p.writeHeap("heap.pprof")
				p.watching = false
				p.log.Info("benche2e: profile written", "dir", p.dir,
					"peak_heap_objects_mib", p.peak>>20, "peak_go_memory_mib", p.peakMem>>20)
			}
		case <-tick.C:
			if p.watching {
				p.sampleHeap()
			}
		}
	}
}

func (p *profiler) startCPU() {
	if p.cpu != nil {
		return
	}
	f, err := os.Create(filepath.Join(p.dir, "cpu.pprof"))
	if err != nil {
		p.log.Error("benche2e: cpu profile", "err", err)
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		p.log.Error("benche2e: cpu profile", "err", err)
		return
	}
	p.cpu, p.watching = f, true
}

func (p *profiler) stopCPU() {
	if p.cpu == nil {
		return
	}
	pprof.StopCPUProfile()
	if err := p.cpu.Close(); err != nil {
		p.log.Error("benche2e: cpu profile", "err", err)
	}
	p.cpu = nil
}

// sampleHeap rewrites heap-peak.pprof when the live heap has grown by a
// tenth over the last peak.
func (p *profiler) sampleHeap() {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(s)
	heap, total := s[0].Value.Uint64(), s[1].Value.Uint64()
	p.peakMem = max(p.peakMem, total)
	if heap <= p.peak+p.peak/10 {
		return
	}
	p.peak = heap
	p.writeHeap("heap-peak.pprof")
}

func (p *profiler) writeHeap(name string) {
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		p.log.Error("benche2e: heap profile", "err", err)
		return
	}
	defer f.Close()
	runtime.GC() // the heap profile shows the heap as of the last collection
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		p.log.Error("benche2e: heap profile", "err", err)
	}
}
