// Package coldstart measures a Lambda custom runtime's cold start on this
// machine: a fresh process with a Lambda's environment, a loopback Runtime
// API handing it one POST /users event, and a loopback Cognito stub, so the
// first response is a real 201 through the real SDK.
package coldstart

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/useradmin/cognito-user-admin/bench/runtimeapi"
)

// timeout bounds one cold start, from exec to the answer.
const timeout = 15 * time.Second

// Sample is one cold start.
type Sample struct {
	// Init runs from exec to the first poll of …/invocation/next: what Lambda bills as Init Duration.
	Init time.Duration
	// Response runs from exec to the first invocation's response.
	Response time.Duration
	// CPU is the process's user and system time, all of it before the answer
	// (it then waits on its next poll until killed): unlike the wall times,
	// it hardly moves when other work shares the machine.
	CPU time.Duration
	// Body is the response payload, an API Gateway proxy response.
	Body []byte
	// Logs are the process's stdout and stderr.
	Logs []byte
}

// Runner cold-starts runtime processes, one at a time.
type Runner struct {
	cognito *httptest.Server
	dir     string // the task root: empty, and the working directory
	n       int    // processes started, so each creates a distinct user
}

// NewRunner starts the Cognito stub. Close releases it.
func NewRunner() (*Runner, error) {
	dir, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return nil, err
	}
	return &Runner{cognito: newCognitoStub(), dir: dir}, nil
}

// Close stops the stub and removes the task root.
func (r *Runner) Close() {
	r.cognito.Close()
	os.RemoveAll(r.dir)
}

// Run starts argv as a fresh process with a Lambda's environment (plus
// extraEnv), serves it one POST /users event and returns its timings once it
// has answered 201. The process is then killed, where Lambda would freeze it.
func (r *Runner) Run(ctx context.Context, argv []string, extraEnv ...string) (Sample, error) {
	return r.run(ctx, argv, runtimeapi.UnsampledTrace, extraEnv)
}

// TracingEnv is what Lambda adds to a function's environment with X-Ray
// active tracing: where the X-Ray daemon listens, and what an SDK should do
// without a trace context. (The trace id itself comes with each invocation,
// in the Lambda-Runtime-Trace-Id header, and aws-lambda-go sets
// _X_AMZN_TRACE_ID from it.)
var TracingEnv = []string{
	"AWS_XRAY_CONTEXT_MISSING=LOG_ERROR",
	"AWS_XRAY_DAEMON_ADDRESS=169.254.79.129:2000",
	"_AWS_XRAY_DAEMON_ADDRESS=169.254.79.129",
	"_AWS_XRAY_DAEMON_PORT=2000",
}

// RunTraced is Run as on a function with X-Ray active tracing (the shipped
// setting): TracingEnv, and an invocation whose trace is sampled.
func (r *Runner) RunTraced(ctx context.Context, argv []string, extraEnv ...string) (Sample, error) {
	return r.run(ctx, argv, runtimeapi.SampledTrace, append(slices.Clone(TracingEnv), extraEnv...))
}

func (r *Runner) run(ctx context.Context, argv []string, trace string, extraEnv []string) (Sample, error) {
	r.n++
	api, err := runtimeapi.StartTraced(createEvent(fmt.Sprintf("cold.start.%d@example.com", r.n)), 10*time.Second, trace)
	if err != nil {
		return Sample{}, err
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var logs bytes.Buffer // one writer for both streams: exec then writes from one goroutine at a time
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = r.dir
	cmd.Env = append(r.env(api.Addr()), extraEnv...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, err
	}
	go func() { exited <- cmd.Wait() }()

	var res runtimeapi.Result
	select {
	case res = <-api.Done():
		cmd.Process.Kill()
		<-exited
	case err := <-exited:
		return Sample{Logs: logs.Bytes()}, fmt.Errorf("%s exited before answering (%v):\n%s", argv[0], err, logs.Bytes())
	case <-ctx.Done():
		cmd.Process.Kill()
		<-exited
		return Sample{Logs: logs.Bytes()}, fmt.Errorf("%s: no answer (%v):\n%s", argv[0], ctx.Err(), logs.Bytes())
	}
	ps := cmd.ProcessState
	s := Sample{Init: res.Polled.Sub(start), Response: res.Answered.Sub(start), CPU: ps.UserTime() + ps.SystemTime(), Body: res.Body, Logs: logs.Bytes()}
	if res.Outcome != runtimeapi.Response {
		return s, fmt.Errorf("%s answered with %s: %s\n%s", argv[0], res.Outcome, res.Body, s.Logs)
	}
	var resp struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(res.Body, &resp); err != nil || resp.StatusCode != 201 {
		return s, fmt.Errorf("%s answered %s, want a 201 proxy response\n%s", argv[0], res.Body, s.Logs)
	}
	return s, nil
}

// env is what Lambda gives a provided.al2023 function's process
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// with the function's own settings, and nothing of this shell.
func (r *Runner) env(runtimeAPI string) []string {
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"_HANDLER=bootstrap",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_LAMBDA_FUNCTION_NAME=" + function,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + function,
		"AWS_LAMBDA_LOG_STREAM_NAME=2025/01/01/[$LATEST]0123456789abcdef",
		"LAMBDA_TASK_ROOT=" + r.dir,
		"LAMBDA_RUNTIME_DIR=" + r.dir,
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		// The execution role's temporary credentials, as environment variables.
		"AWS_ACCESS_KEY_ID=ASIAEXAMPLEBENCHKEY0",
		"AWS_SECRET_ACCESS_KEY=bench/secret/key/not/real/000000000000",
		"AWS_SESSION_TOKEN=bench-session-token",
		// Loopback only: the SDK calls the stub, and finds no shared config
		// files, as in Lambda, whatever this machine's ~/.aws holds.
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=" + r.cognito.URL,
		"AWS_CONFIG_FILE=" + filepath.Join(r.dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(r.dir, "no-credentials"),
	}
	for k, v := range functionSettings.Env() {
		env = append(env, k+"="+v)
	}
	return env
}
