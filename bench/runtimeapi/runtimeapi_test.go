package runtimeapi

import (
	"net/http"
	"testing"
	"time"
)

// The trace header is what the runtime would get from Lambda: the benchmarks'
// traced and untraced cold starts differ in it.
func TestTraceHeader(t *testing.T) {
	for _, trace := range []string{UnsampledTrace, SampledTrace} {
		s, err := StartTraced([]byte(`{}`), time.Second, trace)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get("http://" + s.Addr() + prefix + "/invocation/next")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Lambda-Runtime-Trace-Id"); got != trace {
			t.Errorf("Lambda-Runtime-Trace-Id = %q, want %q", got, trace)
		}
		s.Close()
	}
}
