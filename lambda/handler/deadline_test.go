package handler

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// deadlineSpy records the deadline of the context Cognito calls receive.
type deadlineSpy struct {
	*fakeCognito
	deadline time.Time
}

func (d *deadlineSpy) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, opts ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	d.deadline, _ = ctx.Deadline()
	return d.fakeCognito.AdminGetUser(ctx, in, opts...)
}

// Cognito calls end deadlineReserve before the invocation, so the handler
// still has time to answer (and roll back) before Lambda stops it.
func TestCognitoCallsKeepAReserve(t *testing.T) {
	f := newFake(testPool, "admins")
	f.seed("admin@example.com", types.UserStatusTypeConfirmed, "admins")
	f.seed("someone@example.com", types.UserStatusTypeConfirmed)
	spy := &deadlineSpy{fakeCognito: f}
	h := New(testSettings(), spy, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	invocation := time.Now().Add(10 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), invocation)
	defer cancel()
	resp, err := h.Handle(ctx, userEvent("GET", "/users/{email}", "someone%40example.com").request(t))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("Handle: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	if want := invocation.Add(-deadlineReserve); !spy.deadline.Equal(want) {
		t.Errorf("Cognito's deadline = %v, want the invocation's less %v (%v)", spy.deadline, deadlineReserve, want)
	}
}
