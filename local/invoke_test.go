package local

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// A client that goes away does not stop the function: API Gateway lets the
// invocation run to its own timeout, so a create in flight when a client is
// killed still completes (and is audited). The invocation's deadline is the
// function's Timeout from the template.
func TestInvocationOutlivesTheClient(t *testing.T) {
	var tpl Template
	withFn := strings.Replace(testTemplate, `"Api": {`, `"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 7}},
  "Api": {`, 1)
	if err := json.Unmarshal([]byte(withFn), &tpl); err != nil {
		t.Fatal(err)
	}
	g, key, _ := newTestGateway(t, &tpl)
	started, release := make(chan struct{}), make(chan struct{})
	type result struct {
		err      error
		deadline time.Duration
	}
	done := make(chan result, 1)
	g.invoke = func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		dl, _ := ctx.Deadline()
		close(started)
		<-release
		done <- result{ctx.Err(), time.Until(dl)}
		return events.APIGatewayProxyResponse{StatusCode: 201}, nil
	}
	// gone closes once the server has seen the client leave (its request's context ends).
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		go func() { <-r.Context().Done(); close(gone) }()
		g.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/items/special", nil)
	req.Header.Set("Authorization", token(t, key, nil))
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	<-started
	cancel() // the client goes away mid-invocation
	<-gone
	close(release)
	r := <-done
	if r.err != nil {
		t.Fatalf("the invocation was cancelled with the client: %v", r.err)
	}
	if r.deadline <= 6*time.Second || r.deadline > 7*time.Second {
		t.Errorf("invocation deadline in %v, want the function's 7 s", r.deadline)
	}
}

func TestFunctionTimeoutDefault(t *testing.T) {
	var tpl Template
	if err := json.Unmarshal([]byte(testTemplate), &tpl); err != nil {
		t.Fatal(err)
	}
	if got := functionTimeout(&tpl); got != lambdaDefaultTimeout {
		t.Errorf("no function: %v, want Lambda's default %v", got, lambdaDefaultTimeout)
	}
}
