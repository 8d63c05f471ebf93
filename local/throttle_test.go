package local

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// throttledTemplate is testTemplate with a stage as CDK writes it (every
// method 2 requests/s, bursts of 3; GET /items/special 1/s, bursts of 1)
// and the THROTTLED gateway response of infra's template.
func throttledTemplate(t *testing.T) *Template {
	t.Helper()
	var tpl Template
	if err := json.Unmarshal([]byte(testTemplate), &tpl); err != nil {
		t.Fatal(err)
	}
	var extra Template
	if err := json.Unmarshal([]byte(`{"Resources": {
  "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "dev", "MethodSettings": [
    {"HttpMethod": "*", "ResourcePath": "/*", "LoggingLevel": "ERROR", "ThrottlingBurstLimit": 3, "ThrottlingRateLimit": 2},
    {"HttpMethod": "GET", "ResourcePath": "/~1items~1special", "ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 1}]}},
  "Throttled": {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": {"ResponseType": "THROTTLED", "StatusCode": "429",
    "ResponseTemplates": {"application/json": "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Too many requests: slow down and retry.\"},\"requestId\":\"$context.requestId\"}"},
    "ResponseParameters": {"gatewayresponse.header.Retry-After": "'1'"}}}
}}`), &extra); err != nil {
		t.Fatal(err)
	}
	for id, r := range extra.Resources {
		tpl.Resources[id] = r
	}
	return &tpl
}

// TestThrottle: each method is a token bucket of the stage's rate and burst:
// the burst passes, the next request gets the template's 429 with
// Retry-After without reaching the authorizer or the handler, and tokens
// come back at the rate, never beyond the burst. The clock is the test's.
func TestThrottle(t *testing.T) {
	g, key, seen := newTestGateway(t, throttledTemplate(t))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g.SetClock(func() time.Time { return now })
	tok := token(t, key, nil)
	get := func(path, tok string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if tok != "" {
			req.Header.Set("Authorization", tok)
		}
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		return rec
	}
	// statuses sends n requests to path at the current instant.
	statuses := func(path string, n int) []int {
		var out []int
		for range n {
			out = append(out, get(path, tok).Code)
		}
		return out
	}
	same := func(got []int, want ...int) bool { return slices.Equal(got, want) }

	if th := g.Throttle(); th == nil || th.Rate != 2 || th.Burst != 3 {
		t.Fatalf("Throttle() = %+v, want the stage's 2/s, burst 3", th)
	}
	if got := statuses("/items/1", 4); !same(got, 200, 200, 200, 429) {
		t.Fatalf("burst of 3 then throttled: got %v", got)
	}
	if len(*seen) != 3 {
		t.Errorf("the handler ran %d times, want 3: a throttled request must not reach it", len(*seen))
	}
	rec := get("/items/1", tok)
	var body struct {
		Error     struct{ Code, Message string }
		RequestID string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 429 || body.Error.Code != "TooManyRequests" || body.RequestID == "" {
		t.Errorf("429 body = %s, want the template's TooManyRequests shape", rec.Body)
	}
	if rec.Header().Get("Retry-After") != "1" || rec.Header().Get("X-Amzn-Errortype") != "THROTTLED" {
		t.Errorf("429 headers = %v, want Retry-After: 1 and the THROTTLED error type", rec.Header())
	}
	// Throttling comes first: a request without a token is throttled, not refused.
	if code := get("/items/1", "").Code; code != 429 {
		t.Errorf("no token on an empty bucket: %d, want 429", code)
	}

	// Another method has its own bucket, here with its own limits (burst 1).
	if got := statuses("/items/special", 2); !same(got, 200, 429) {
		t.Errorf("GET /items/special (burst 1): got %v", got)
	}

	// Refill: 2 tokens a second, so one in 500 ms.
	now = now.Add(500 * time.Millisecond)
	if got := statuses("/items/1", 2); !same(got, 200, 429) {
		t.Errorf("after 500 ms: got %v, want one token back", got)
	}
	// A long pause refills up to the burst, not beyond.
	now = now.Add(time.Hour)
	if got := statuses("/items/1", 4); !same(got, 200, 200, 200, 429) {
		t.Errorf("after an hour: got %v, want the burst of 3 only", got)
	}
}

// TestMethodThrottleInheritsTheStage: a method setting that gives only a
// rate keeps the stage's burst, and one that gives only a burst keeps the
// stage's rate, as API Gateway applies a method's settings over the stage's.
func TestMethodThrottleInheritsTheStage(t *testing.T) {
	var tpl Template
	if err := json.Unmarshal([]byte(`{"Resources": {
  "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"StageName": "dev", "MethodSettings": [
    {"HttpMethod": "GET", "ResourcePath": "/~1items", "ThrottlingRateLimit": 1},
    {"HttpMethod": "POST", "ResourcePath": "/~1items", "ThrottlingBurstLimit": 7},
    {"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingBurstLimit": 3, "ThrottlingRateLimit": 2}]}}}}`), &tpl); err != nil {
		t.Fatal(err)
	}
	def, perMethod, err := stageThrottles(&tpl)
	if err != nil {
		t.Fatal(err)
	}
	if def == nil || *def != (Throttle{Rate: 2, Burst: 3}) {
		t.Errorf("stage = %+v", def)
	}
	if got := perMethod["GET /items"]; got != (Throttle{Rate: 1, Burst: 3}) {
		t.Errorf("GET /items (rate only) = %+v, want rate 1 and the stage's burst 3", got)
	}
	if got := perMethod["POST /items"]; got != (Throttle{Rate: 2, Burst: 7}) {
		t.Errorf("POST /items (burst only) = %+v, want the stage's rate 2 and burst 7", got)
	}
}

// TestNoStageNoThrottle: a template without a stage sets no throttling.
func TestNoStageNoThrottle(t *testing.T) {
	srv, key, _ := testGateway(t)
	for i := range 50 {
		if status, _, body := do(t, http.MethodGet, srv.URL+"/items/1", token(t, key, nil), "", ""); status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
}

func TestDecodeResourcePath(t *testing.T) {
	for in, want := range map[string]string{"/~1users": "/users", "/~1users~1{email}~1groups~1{group}": "/users/{email}/groups/{group}", "/": "/"} {
		if got := decodeResourcePath(in); got != want {
			t.Errorf("decodeResourcePath(%q) = %q, want %q", in, got, want)
		}
	}
}
