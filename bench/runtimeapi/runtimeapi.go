// Package runtimeapi is a minimal AWS Lambda Runtime API on loopback, enough
// to cold-start a custom runtime outside AWS: it hands out one event and
// records when the runtime first polls and when it answers. Those two instants
// are what Lambda reports as the init duration and the first invocation.
//
// It follows https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
// for the routes and headers a runtime relies on, and nothing more.
package runtimeapi

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const prefix = "/2018-06-01/runtime"

// FunctionARN is the invoked function's ARN handed to the runtime.
const FunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:useradmin-bench"

// Outcome says how the runtime ended the invocation.
type Outcome string

const (
	Response  Outcome = "response"   // POST …/invocation/{id}/response
	Error     Outcome = "error"      // POST …/invocation/{id}/error
	InitError Outcome = "init/error" // POST …/init/error: the runtime failed before polling
)

// Result is what the runtime did with the one event.
type Result struct {
	// Polled is when the first GET …/invocation/next arrived (zero after an init error).
	Polled time.Time
	// Answered is when the response or error arrived.
	Answered time.Time
	Outcome  Outcome
	// Body is the runtime's response payload or error document.
	Body []byte
}

// Server serves one event to one runtime process.
type Server struct {
	event     []byte
	trace     string
	requestID string
	timeout   time.Duration
	srv       *http.Server
	addr      string
	done      chan Result
	closed    chan struct{}

	mu       sync.Mutex
	result   Result
	served   bool // the event has been handed out
	answered bool
}

// UnsampledTrace is the trace header Lambda sends a function without active
// tracing; SampledTrace one that active tracing has chosen to record.
const (
	UnsampledTrace = "Root=1-00000000-000000000000000000000000;Sampled=0"
	SampledTrace   = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
)

// Start listens on a free loopback port and serves event to the first poll.
// timeout sets the deadline the runtime is told (Lambda-Runtime-Deadline-Ms).
func Start(event []byte, timeout time.Duration) (*Server, error) {
	return StartTraced(event, timeout, UnsampledTrace)
}

// StartTraced is Start handing the runtime traceHeader as Lambda-Runtime-Trace-Id.
func StartTraced(event []byte, timeout time.Duration, traceHeader string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		event:     event,
		trace:     traceHeader,
		requestID: newRequestID(),
		timeout:   timeout,
		addr:      ln.Addr().String(),
		done:      make(chan Result, 1),
		closed:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/invocation/next", s.next)
	mux.HandleFunc("POST "+prefix+"/invocation/{id}/response", s.answer(Response))
	mux.HandleFunc("POST "+prefix+"/invocation/{id}/error", s.answer(Error))
	mux.HandleFunc("POST "+prefix+"/init/error", s.answer(InitError))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
func (s *Server) Addr() string { return s.addr }

// Done delivers the runtime's answer, once.
func (s *Server) Done() <-chan Result { return s.done }

// Close stops the server and releases a runtime blocked on its next poll.
func (s *Server) Close() {
	close(s.closed)
	s.srv.Close()
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	first := !s.served
	if first {
		s.served = true
		s.result.Polled = now
	}
	s.mu.Unlock()
	if !first {
		// One event per process: later polls wait, as on a function that gets
		// no more traffic, until the process is stopped.
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", s.requestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(now.Add(s.timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", s.trace)
	w.Write(s.event)
}

func (s *Server) answer(o Outcome) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		if o != InitError && r.PathValue("id") != s.requestID {
			http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20)) // Lambda's response payload limit
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		again := s.answered
		s.answered = true
		res := s.result
		s.mu.Unlock()
		if again {
			// Only the first answer counts; the real API refuses a second one too.
			http.Error(w, `{"errorMessage":"already answered","errorType":"InvalidStateTransition"}`, http.StatusForbidden)
			return
		}
		res.Answered, res.Outcome, res.Body = now, o, body
		s.done <- res
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"status":"OK"}`)
	}
}

func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
