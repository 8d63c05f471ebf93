package coldstart

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
)

// The real bootstrap, built as deployed, takes its event from the fake
// Runtime API, creates the user through the real SDK against the stub, and
// answers 201: the harness measures a working cold start, not a crash.
func TestBootstrapAnswersThroughRuntimeAPI(t *testing.T) {
	bin, r := bootstrapAndRunner(t)
	s, err := r.Run(context.Background(), []string{bin})
	if err != nil {
		t.Fatal(err)
	}
	if s.Init <= 0 || s.Response < s.Init {
		t.Errorf("init %v, response %v: want 0 < init <= response", s.Init, s.Response)
	}
}

// The traced run (X-Ray active tracing's environment and a sampled trace
// header) must answer 201 too: the tracing figures of `make bench` are of a working start.
func TestBootstrapAnswersWithTracing(t *testing.T) {
	bin, r := bootstrapAndRunner(t)
	if _, err := r.RunTraced(context.Background(), []string{bin}); err != nil {
		t.Fatal(err)
	}
}

// bootstrapAndRunner builds the real bootstrap as deployed (for this
// machine) and starts the fake Runtime API it runs under; both end with the test.
func bootstrapAndRunner(t *testing.T) (string, *Runner) {
	t.Helper()
	root, err := filepath.Abs("../..") // go test runs in the package's directory
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := gobuild.Build(context.Background(), root, gobuild.Package, bin, runtime.GOOS, runtime.GOARCH, true); err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return bin, r
}
