package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

const (
	handlerTarget = 50 * time.Microsecond
	benchCount    = 5
)

// benchResult is one line of `go test -bench -benchmem` output.
type benchResult struct {
	ns, bytes, allocs float64
}

// handlerOverhead runs the handler's own benchmark (a create over a Cognito
// fake that answers at once) and reports the median of benchCount runs.
func handlerOverhead(ctx context.Context, r *report, root string) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-run=^$", "-bench=^BenchmarkCreate$", "-benchmem",
		fmt.Sprintf("-count=%d", benchCount), "./lambda/handler")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench: %v\n%s", err, out)
	}
	var runs []benchResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var name string
		var n int
		var b benchResult
		if _, err := fmt.Sscanf(sc.Text(), "%s %d %f ns/op %f B/op %f allocs/op", &name, &n, &b.ns, &b.bytes, &b.allocs); err == nil &&
			strings.HasPrefix(name, "BenchmarkCreate") {
			runs = append(runs, b)
		}
	}
	if len(runs) == 0 {
		return fmt.Errorf("no BenchmarkCreate result in:\n%s", out)
	}
	slices.SortFunc(runs, func(a, b benchResult) int { return cmp.Compare(a.ns, b.ns) })
	m := runs[(len(runs)-1)/2]
	r.add("handler overhead, create (BenchmarkCreate, instant fake Cognito)",
		fmt.Sprintf("%.1f µs/op, %.0f B/op, %.0f allocs/op (median of %d)", m.ns/1000, m.bytes, m.allocs, len(runs)),
		"< 50 µs/op", met(time.Duration(m.ns) < handlerTarget))
	return nil
}
