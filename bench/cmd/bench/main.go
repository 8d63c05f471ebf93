// Command bench prints the product's performance figures as one table, with
// the machine they were measured on: the Lambda's cold start, the shipped
// binary's size, the handler's per-request overhead, a create end to end in
// local mode, synth time, and the bulk import and export in users/s beside
// the dev stage's throttle. `make bench` runs it; it asserts nothing and
// exits non-zero only when a measurement could not be made.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/local"
)

// options are the sample counts; the defaults take a few minutes on 2 cores.
type options struct {
	coldStarts int // fresh processes per runtime
	calls      int // POST /users through the gateway, and direct SDK calls, each
	synths     int // timed synth runs per app, after one warm-up run
	imports    int // users created by the bulk import (and exported back)
}

func main() {
	var o options
	flag.IntVar(&o.coldStarts, "coldstarts", 30, "fresh processes per runtime for the cold start (at least 20)")
	flag.IntVar(&o.calls, "calls", 200, "creates through the local gateway, and direct SDK creates, for end to end")
	flag.IntVar(&o.synths, "synths", 3, "timed synth runs per CDK app, after one warm-up run")
	flag.IntVar(&o.imports, "imports", 1000, "users the bulk import creates through the dev stage's throttle (about 20s at 50/s), then exports")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.coldStarts < 20 || o.calls < 1 || o.synths < 1 || o.imports < 200 {
		return fmt.Errorf("want -coldstarts ≥ 20, -calls ≥ 1, -synths ≥ 1, -imports ≥ 200")
	}
	// The emulator comes last; find out now rather than after minutes of work.
	if _, err := exec.LookPath(local.EmulatorCommand); err != nil {
		return local.ErrNoEmulator
	}
	root, err := infra.ModuleDir()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "useradmin-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	r := &report{machine: machineFacts()}
	progress("cold start: %d fresh processes per runtime", o.coldStarts)
	if err := coldStart(ctx, r, root, tmp, o.coldStarts); err != nil {
		return fmt.Errorf("cold start: %w", err)
	}
	progress("binary size")
	if err := binarySize(ctx, r, root, tmp); err != nil {
		return fmt.Errorf("binary size: %w", err)
	}
	progress("web console bundle size")
	if err := consoleSize(ctx, r, root, tmp); err != nil {
		return fmt.Errorf("console size: %w", err)
	}
	progress("handler overhead: go test -bench")
	if err := handlerOverhead(ctx, r, root); err != nil {
		return fmt.Errorf("handler overhead: %w", err)
	}
	progress("synth: 1 warm-up and %d timed runs per app", o.synths)
	assembly, err := synthTime(ctx, r, root, tmp, o.synths)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	progress("end to end: %d creates through the gateway and %d direct", o.calls, o.calls)
	if err := endToEnd(ctx, r, assembly, o.calls); err != nil {
		return fmt.Errorf("end to end: %w", err)
	}
	progress("bulk import: %d users through the dev stage's throttle, then export", o.imports)
	if err := importBench(ctx, r, assembly, tmp, o.imports); err != nil {
		return fmt.Errorf("bulk import: %w", err)
	}
	r.loadAfter = loadAverage()
	r.print(os.Stdout)
	return nil
}

// progress tells the person waiting what runs; the table goes to stdout.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
