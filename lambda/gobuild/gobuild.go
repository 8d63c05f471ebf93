// Package gobuild builds the Lambda's bootstrap binary, in one place: the
// CDK bundler ships what it builds and the benchmarks measure the same thing.
package gobuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Package is the Lambda's main package, relative to the module root.
const Package = "./lambda/cmd/bootstrap"

// Build compiles Package in moduleDir into out for goos/goarch. The flags
// make the binary small and reproducible: no paths, no VCS stamp, no build
// id, no cgo, so one commit always yields the same bytes (and so the same
// asset hash). strip=false keeps the symbol table for `go tool nm`; code and
// data are those of the stripped binary.
func Build(ctx context.Context, moduleDir, out, goos, goarch string, strip bool) error {
	ldflags := "-buildid="
	if strip {
		ldflags = "-s -w -buildid="
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", ldflags, "-o", out, Package)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=-mod=readonly")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for %s/%s in %s: %v\n%s", Package, goos, goarch, moduleDir, err, b)
	}
	return nil
}
