// Package gobuild builds the Lambdas' bootstrap binaries, in one place: the
// CDK bundler ships what it builds and the benchmarks measure the same thing.
package gobuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// The Lambdas' main packages, relative to the module root.
const (
	// Package is the admin API's function.
	Package = "./lambda/cmd/bootstrap"
	// EventsPackage is the user events publisher, fed by the audit table's stream.
	EventsPackage = "./lambda/cmd/events"
	// SCIMAuthPackage is the SCIM routes' bearer-token authorizer.
	SCIMAuthPackage = "./lambda/cmd/scimauth"
)

// Build compiles the main package pkg (Package, EventsPackage) in moduleDir into out for goos/goarch. The flags
// make the binary small and reproducible: no paths, no VCS stamp, no build
// id, no cgo, so one commit always yields the same bytes (and so the same
// asset hash). strip=false keeps the symbol table for `go tool nm`; code and
// data are those of the stripped binary.
func Build(ctx context.Context, moduleDir, pkg, out, goos, goarch string, strip bool) error {
	ldflags := "-buildid="
	if strip {
		ldflags = "-s -w -buildid="
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", ldflags, "-o", out, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=-mod=readonly")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for %s/%s in %s: %v\n%s", pkg, goos, goarch, moduleDir, err, b)
	}
	return nil
}
