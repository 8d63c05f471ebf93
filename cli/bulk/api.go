// Package bulk is the engine behind `useradmin users import` and `export`:
// input parsing and validation, an adaptive sender that honours the API's
// throttling, a journal that makes an import resumable without inviting
// anyone twice, the report, and the streaming export. It knows nothing of the
// command line or of the HTTP client: it talks to the API through API.
package bulk

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
)

// User is the API's user object.
type User struct {
	Username  string   `json:"username"`
	Email     string   `json:"email"`
	Status    string   `json:"status"`
	Enabled   bool     `json:"enabled"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
	Groups    []string `json:"groups"`
	// Names and custom attributes, as the API gives them, so a JSON Lines
	// export holds the whole user.
	GivenName  *string           `json:"givenName,omitempty"`
	FamilyName *string           `json:"familyName,omitempty"`
	Attributes map[string]string `json:"attributes"`
}

// Answer is what the engine decides on, for any call that got an HTTP answer.
type Answer struct {
	Status    int
	Code      string // the error shape's code, empty on success
	Message   string
	RequestID string
	// RetryAfter is the Retry-After header, zero when absent.
	RetryAfter time.Duration
	// Date is the answer's Date header, zero when absent; it measures the
	// skew between this machine's clock and the API's.
	Date time.Time
}

// API is what the engine needs of the admin API. A method returns an error
// only when no HTTP answer arrived (a transport error: refused or lost
// connection, timeout); any answer, success or not, comes back as an Answer.
type API interface {
	CreateUser(ctx context.Context, c Create) (*User, Answer, error)
	GetUser(ctx context.Context, email string) (*User, Answer, error)
	// ListUsers returns one page; an empty next token means the last page.
	ListUsers(ctx context.Context, status, nextToken string) ([]User, string, Answer, error)
}

// GroupLister is implemented by an API that can list the managed groups
// (GET /groups); the engine then checks groups against them before sending.
type GroupLister interface {
	ManagedGroups(ctx context.Context) ([]string, Answer, error)
}

// APIError is a non-success answer as an error, for the calls (export,
// the managed groups) that stop at the first one.
type APIError struct{ Answer Answer }

func (e *APIError) Error() string {
	msg := e.Answer.Message
	if msg == "" {
		msg = http.StatusText(e.Answer.Status)
	}
	s := "API answered " + http.StatusText(e.Answer.Status)
	if e.Answer.Code != "" {
		s += " (" + e.Answer.Code + ")"
	}
	s += ": " + msg
	if e.Answer.RequestID != "" {
		s += " [request id " + e.Answer.RequestID + "]"
	}
	return s
}

// AsAPIError returns the answer behind err, if it is one.
func AsAPIError(err error) (Answer, bool) {
	var e *APIError
	if errors.As(err, &e) {
		return e.Answer, true
	}
	return Answer{}, false
}

// Clock is time as the engine sees it; tests inject their own.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the wall clock.
var RealClock Clock = realClock{}

// ManagedGroups returns the managed-group rule for Parse when api can list
// the managed groups, and nil (the API judges each row) when it cannot.
func ManagedGroups(ctx context.Context, api API) (func(string) bool, error) {
	gl, ok := api.(GroupLister)
	if !ok {
		return nil, nil
	}
	groups, a, err := gl.ManagedGroups(ctx)
	if err != nil {
		return nil, err
	}
	if a.Status != http.StatusOK {
		return nil, &APIError{Answer: a}
	}
	return func(g string) bool { return slices.Contains(groups, g) }, nil
}
