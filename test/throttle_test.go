package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/useradmin/cognito-user-admin/infra"
)

// TestThrottling: the local gateway throttles like the deployed stage, with
// the limits of the dev template. A burst of creates beyond the stage's
// burst, all at once, on a fresh stage (so the shared gateway's buckets are
// untouched) whose throttling clock stands still (so nothing refills,
// however long the machine takes to send them): exactly the burst is
// created, the rest get the template's 429 with Retry-After, and a
// throttled create creates nobody.
func TestThrottling(t *testing.T) {
	needEnv(t)
	dev, err := infra.Environment("dev")
	if err != nil {
		t.Fatal(err)
	}
	th := env.Gateway.Throttle()
	if th == nil || th.Rate != dev.ThrottleRate || th.Burst != dev.ThrottleBurst {
		t.Fatalf("local gateway throttle = %+v, want the dev stage's %v/s, burst %d", th, dev.ThrottleRate, dev.ThrottleBurst)
	}
	stage, err := env.NewStage()
	if err != nil {
		t.Fatal(err)
	}
	frozen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stage.SetClock(func() time.Time { return frozen })
	srv := httptest.NewServer(stage)
	defer srv.Close()

	tok := token(t, adminEmail)
	n := 3 * th.Burst
	type answer struct {
		email      string
		status     int
		code       string
		retryAfter string
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	ready := make(chan struct{}) // released together, so they arrive at once
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := fmt.Sprintf("throttle%03d@example.com", i)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/users", strings.NewReader(`{"email":"`+email+`","sendInvitation":false}`))
			req.Header.Set("Authorization", tok)
			req.Header.Set("Content-Type", "application/json")
			<-ready
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var body struct{ Error struct{ Code string } }
			_ = json.Unmarshal(b, &body)
			answers[i] = answer{email, resp.StatusCode, body.Error.Code, resp.Header.Get("Retry-After")}
		}()
	}
	close(ready)
	wg.Wait()

	created := 0
	for _, a := range answers {
		switch {
		case a.status == http.StatusCreated:
			created++
			if poolUser(t, a.email) == nil {
				t.Errorf("%s: 201 but not in the pool", a.email)
			}
		case a.status == http.StatusTooManyRequests:
			if a.code != "TooManyRequests" || a.retryAfter != "1" {
				t.Errorf("%s: 429 with code %q and Retry-After %q, want TooManyRequests and 1", a.email, a.code, a.retryAfter)
			}
			if poolUser(t, a.email) != nil {
				t.Errorf("%s: throttled, yet created", a.email)
			}
		default:
			t.Errorf("%s: status %d, want 201 or 429", a.email, a.status)
		}
	}
	if created != th.Burst {
		t.Errorf("%d of %d creates passed, want the burst (%d): the clock stood still", created, n, th.Burst)
	}
	t.Logf("%d requests at once: %d created, %d throttled (burst %d, %v/s)", n, created, n-created, th.Burst, th.Rate)
}
