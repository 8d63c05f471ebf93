package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/useradmin/cognito-user-admin/local"
)

// The suite's shared state: one synth, one emulator with the dev pool, one
// gateway, for the whole run.
var (
	synthDir string
	env      *local.Env
	gateway  *httptest.Server
	logs     = &syncBuffer{}
	// envErr says why the emulator tests cannot run, when they cannot.
	envErr error
)

const (
	adminEmail = "admin@example.com"
	userEmail  = "user@example.com"
	password   = "Seed-Passw0rd!"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// The browser, when a test started one (browser_test.go).
	defer func() { closeBrowser() }()
	dir, err := os.MkdirTemp("", "useradmin-synth")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := Synth(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	synthDir = dir

	ctx := context.Background()
	env, envErr = local.Start(ctx, filepath.Join(dir, "UserAdmin-dev.template.json"), logs)
	if errors.Is(envErr, local.ErrNoEmulator) && os.Getenv("CI") == "true" {
		// CI must never pass without the integration tests.
		fmt.Fprintln(os.Stderr, "FAIL: the Cognito emulator is required in CI:", envErr)
		return 1
	}
	if envErr == nil {
		defer env.Close()
		if envErr = seed(ctx); envErr == nil {
			// The shared stage never throttles: how many requests the suite
			// sends in a second depends on the machine, and a 429 there would
			// fail a test of something else. The throttling tests use stages
			// of their own (env.NewStage), with clocks they control.
			neverThrottled(env.Gateway)
			gateway = httptest.NewServer(env.Gateway)
			defer gateway.Close()
		}
	}
	if envErr != nil && !errors.Is(envErr, local.ErrNoEmulator) {
		fmt.Fprintln(os.Stderr, "FAIL: starting the local environment:", envErr)
		return 1
	}
	return m.Run()
}

// The shared console, served by the first test that asks (consoleURL).
var (
	consoleOnce sync.Once
	consoleAt   string
	consoleErr  error
)

// consoleURL serves the web console of the shared environment against the
// shared gateway, as make dev does (built once per run), and returns its URL.
func consoleURL(t *testing.T) string {
	t.Helper()
	needEnv(t)
	consoleOnce.Do(func() {
		consoleAt, consoleErr = env.ServeConsole(local.ConsoleOptions{APIURL: gateway.URL, Environment: "dev"})
	})
	if consoleErr != nil {
		t.Fatalf("serving the console: %v", consoleErr)
	}
	return consoleAt
}

func seed(ctx context.Context) error {
	if err := env.SeedUser(ctx, adminEmail, password, "admins"); err != nil {
		return err
	}
	return env.SeedUser(ctx, userEmail, password)
}

// needEnv skips a test that needs the emulator when it is not installed
// (outside CI only: in CI, TestMain has already failed the run).
func needEnv(t *testing.T) {
	t.Helper()
	if envErr != nil {
		t.Skipf("skipping: %v", envErr)
	}
}

// syncBuffer collects log lines from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// changed is closed at the next write, for waitFor.
	changed chan struct{}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// waitFor reports once s has been written, false when done closes first.
func (b *syncBuffer) waitFor(s string, done <-chan struct{}) bool {
	for {
		b.mu.Lock()
		if strings.Contains(b.buf.String(), s) {
			b.mu.Unlock()
			return true
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-done:
			return strings.Contains(b.String(), s)
		}
	}
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// neverThrottled gives g a clock that moves an hour on at every request, so
// its buckets are always full: a test's request rate depends on the machine.
func neverThrottled(g *local.Gateway) {
	var calls atomic.Int64
	start := time.Now()
	g.SetClock(func() time.Time { return start.Add(time.Duration(calls.Add(1)) * time.Hour) })
}
