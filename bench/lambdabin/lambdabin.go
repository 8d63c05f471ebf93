// Package lambdabin builds the Lambda's bootstrap the way the deployment
// does (infra's local bundler), for any target, so the benchmarks measure
// the binary that ships rather than a test build.
package lambdabin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Package is the Lambda's main package, relative to the module root.
const Package = "./lambda/cmd/bootstrap"

// Build compiles Package in moduleDir into out for goos/goarch with the
// deployment's flags. strip=false keeps the symbol table (-s -w dropped),
// for `go tool nm`; the code and data are the same as in the stripped binary.
func Build(ctx context.Context, moduleDir, out, goos, goarch string, strip bool) error {
	ldflags := "-s -w"
	if !strip {
		ldflags = ""
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", ldflags, "-o", out, Package)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for %s/%s: %v\n%s", Package, goos, goarch, err, b)
	}
	return nil
}
