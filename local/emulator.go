package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EmulatorCommand is moto's server; elsewhere: pip install "moto[server]".
const EmulatorCommand = "moto_server"

// ErrNoEmulator means moto_server is not on PATH.
var ErrNoEmulator = errors.New(EmulatorCommand + ` is not installed: install it with pip install "moto[server]" (Python 3.9+)`)

// Emulator is a running moto server on loopback, behind a proxy that
// corrects its SRP challenge (newCognitoProxy).
type Emulator struct {
	// Endpoint is the base URL of the emulator, e.g. http://127.0.0.1:41234.
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
	proxy    *http.Server
	// recording is moto's request recording (see StartRecording), removed by Stop.
	recording string
}

// StartEmulator starts moto_server on a free loopback port and returns once
// it answers HTTP. Stop must be called to end it.
func StartEmulator(ctx context.Context) (*Emulator, error) {
	bin, err := exec.LookPath(EmulatorCommand)
	if err != nil {
		return nil, ErrNoEmulator
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// moto writes its recording to ./moto_recording unless told otherwise:
	// a file of its own keeps it out of the working directory.
	rec, err := os.CreateTemp("", "moto-recording-")
	if err != nil {
		return nil, err
	}
	rec.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(emulatorEnv(os.Environ()), "MOTO_RECORDER_FILEPATH="+rec.Name())
	// Its own process group, so Stop ends moto and any child it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if os.Getenv("MOTO_LOG") == "" {
		cmd.Stdout, cmd.Stderr = nil, nil // moto logs every request; keep the terminal for ours
	} else {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		os.Remove(rec.Name())
		return nil, fmt.Errorf("starting %s: %w", EmulatorCommand, err)
	}
	e := &Emulator{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan error, 1), recording: rec.Name()}
	go func() { e.done <- cmd.Wait() }()
	if err := e.waitReady(ctx); err != nil {
		e.Stop()
		return nil, err
	}
	if err := e.startProxy(); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// emulatorEnv is env without MOTO_DISABLE_GLOBAL_CORS: moto reads any
// value of it, "false" included, as true, and the console in the browser
// calls Cognito across origins, which needs moto's CORS answers.
func emulatorEnv(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "MOTO_DISABLE_GLOBAL_CORS=")
	})
}

// startProxy puts the SRP-correcting proxy in front of moto and makes it the Endpoint.
func (e *Emulator) startProxy() error {
	moto, err := url.Parse(e.Endpoint)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for the Cognito proxy: %w", err)
	}
	e.proxy = &http.Server{Handler: newCognitoProxy(moto), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.proxy.Serve(ln) }()
	e.Endpoint = "http://" + ln.Addr().String()
	return nil
}

// waitReady polls the emulator until it answers, it exits, or 30 s pass.
func (e *Emulator) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.Endpoint+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case err := <-e.done:
			e.done <- err
			return fmt.Errorf("%s exited before it was ready: %v", EmulatorCommand, err)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s: %w", EmulatorCommand, e.Endpoint, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop ends the emulator's process group: SIGTERM, then SIGKILL after 5 s.
func (e *Emulator) Stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	if e.proxy != nil {
		_ = e.proxy.Close()
	}
	pgid := -e.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-e.done
	}
	_ = os.Remove(e.recording)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
