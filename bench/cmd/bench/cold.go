package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/useradmin/cognito-user-admin/bench/coldstart"
	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
)

const (
	initTarget = 8 * time.Millisecond
	// nodeReference is issue 7's figure for a Node.js custom runtime with
	// aws-sdk v2 on these machines. The SDK is no dependency of this
	// repository, so it is measured only where NODE_PATH provides it.
	nodeReference = 170 * time.Millisecond
)

// coldStart builds the bootstrap for this machine with the deployment's
// flags and starts it n times, each a fresh process, then does the same with
// the Node.js counterpart when node is installed.
func coldStart(ctx context.Context, r *report, root, tmp string, n int) error {
	bin := filepath.Join(tmp, "bootstrap")
	if err := gobuild.Build(ctx, root, gobuild.Package, bin, runtime.GOOS, runtime.GOARCH, true); err != nil {
		return err
	}
	runner, err := coldstart.NewRunner()
	if err != nil {
		return err
	}
	defer runner.Close()

	// Without tracing and with X-Ray active tracing (as shipped), alternated
	// so both see the same machine load.
	goRuns, tracedRuns, err := startPairs(ctx, runner, n, []string{bin})
	if err != nil {
		return err
	}
	inits, resps, cpu := durations(goRuns)
	r.add("cold start, Go bootstrap: exec → first poll (init)", spread(inits),
		"median ≤ 8 ms", met(median(inits) <= initTarget))
	r.add("cold start, Go bootstrap: exec → first 201 (SDK call to a stub)", spread(resps), "", "")
	r.add("cold start, Go bootstrap: CPU time (user+sys) to the first 201", spread(cpu), "", "")
	tInits, tResps, tCPU := durations(tracedRuns)
	r.add("cold start, X-Ray active tracing (shipped): exec → first poll", spread(tInits),
		fmt.Sprintf("%+.0f%% vs tracing off", 100*(float64(median(tInits))/float64(median(inits))-1)), "")
	r.add("cold start, X-Ray active tracing (shipped): exec → first 201", spread(tResps),
		fmt.Sprintf("%+.0f%% vs tracing off", 100*(float64(median(tResps))/float64(median(resps))-1)), "")
	r.add("cold start, X-Ray active tracing (shipped): CPU to the first 201", spread(tCPU), "", "")
	r.note("X-Ray: the function carries no X-Ray SDK, so active tracing records the invocation's own segment (Lambda's, outside the process) " +
		"and API Gateway's; the rows above run with the environment and sampled trace header Lambda gives a traced function. " +
		"Cognito calls as subsegments would need aws-xray-sdk-go (v1.8.5), which links aws-sdk-go v1, gRPC and fasthttp: see docs/operations.md.")

	traced, err := runner.Run(ctx, []string{bin}, "GODEBUG=inittrace=1")
	if err != nil {
		return err
	}
	r.note("%s", initTrace(traced))

	if argv, err := coldstart.NodeCommand(); err != nil {
		r.note("node is not installed: no Node.js cold start measured")
	} else {
		// NODE_PATH lets a machine that has aws-sdk v2 installed measure the real thing.
		nodeRuns, err := startMany(ctx, runner, n, argv, "NODE_PATH="+os.Getenv("NODE_PATH"))
		if err != nil {
			return err
		}
		ni, _, ncpu := durations(nodeRuns)
		sdk := coldstart.NodeSDK(nodeRuns[0])
		what := "cold start, Node.js custom runtime, no SDK: exec → first poll"
		ref := "measured: Node's own floor"
		if sdk != "none" {
			what, ref = "cold start, Node.js custom runtime + "+sdk+": exec → first poll", "measured"
		}
		r.add(what, spread(ni), ref, "")
		r.add("cold start, Node.js: CPU time (user+sys) to the first 201", spread(ncpu), "", "")
	}
	r.add("cold start, Node.js custom runtime + aws-sdk v2: first poll", "≈ "+ms(nodeReference),
		fmt.Sprintf("stated reference for these machines (%.0f× the Go median)", float64(nodeReference)/float64(median(inits))), "")
	return nil
}

// startMany cold-starts argv n times after one unrecorded start, which
// brings the executable into the page cache as Lambda's own caching would.
func startMany(ctx context.Context, runner *coldstart.Runner, n int, argv []string, env ...string) ([]coldstart.Sample, error) {
	var out []coldstart.Sample
	for i := range n + 1 {
		s, err := runner.Run(ctx, argv, env...)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// startPairs cold-starts argv n times without tracing and n times with
// X-Ray active tracing, alternating, after one unrecorded start of each.
func startPairs(ctx context.Context, runner *coldstart.Runner, n int, argv []string) (off, on []coldstart.Sample, err error) {
	for i := range n + 1 {
		a, err := runner.Run(ctx, argv)
		if err != nil {
			return nil, nil, err
		}
		b, err := runner.RunTraced(ctx, argv)
		if err != nil {
			return nil, nil, err
		}
		if i > 0 {
			off, on = append(off, a), append(on, b)
		}
	}
	return off, on, nil
}

func durations(ss []coldstart.Sample) (inits, resps, cpu []time.Duration) {
	for _, s := range ss {
		inits = append(inits, s.Init)
		resps = append(resps, s.Response)
		cpu = append(cpu, s.CPU)
	}
	return inits, resps, cpu
}

// spread is "median X, worst Y (N runs)".
func spread(ds []time.Duration) string {
	return fmt.Sprintf("median %s, worst %s (%d runs)", ms(median(ds)), ms(slices.Max(ds)), len(ds))
}

// initTrace sums GODEBUG=inittrace=1's lines ("init pkg @0.5 ms, 0.2 ms
// clock, …"): how much of init is package initialisation, and which packages.
func initTrace(s coldstart.Sample) string {
	type pkgInit struct {
		pkg   string
		clock float64 // ms
	}
	var inits []pkgInit
	var total, last float64
	sc := bufio.NewScanner(bytes.NewReader(s.Logs))
	for sc.Scan() {
		var p pkgInit
		var at float64
		if _, err := fmt.Sscanf(sc.Text(), "init %s @%f ms, %f ms clock", &p.pkg, &at, &p.clock); err != nil {
			continue
		}
		inits = append(inits, p)
		total += p.clock
		last = at + p.clock
	}
	slices.SortFunc(inits, func(a, b pkgInit) int { return cmp.Compare(b.clock, a.clock) })
	var top []string
	for _, p := range inits[:min(4, len(inits))] {
		top = append(top, fmt.Sprintf("%s %.2f ms", p.pkg, p.clock))
	}
	return fmt.Sprintf("init, one traced run (GODEBUG=inittrace=1, init %s): %d package inits take %.2f ms and end %.2f ms after the runtime starts; "+
		"the rest is exec, the Go runtime, main (settings, SDK config, client) and the first HTTP connection. Heaviest inits: %s",
		ms(s.Init), len(inits), total, last, strings.Join(top, ", "))
}
