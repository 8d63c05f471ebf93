package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/useradmin/cognito-user-admin/api/client"
)

// APIError is an error response of the admin API.
type APIError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
	// RetryAfter is the Retry-After header of a 429, as sent.
	RetryAfter string
}

func (e *APIError) Error() string {
	s := e.Code + ": " + e.Message
	if e.Message == e.Code {
		s = e.Code // API Gateway's own answers say only that
	}
	s += fmt.Sprintf(" (HTTP %d", e.Status)
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	if e.RetryAfter != "" {
		s += ", retry after " + e.RetryAfter + " s"
	}
	return s + ")"
}

// API is the admin API as the signed-in profile: the generated client with
// the session's ID token on every request. Commands that call the API (and
// bulk ones that call it many times) share it; a token about to expire is
// renewed between requests, so a long run outlives one ID token.
type API struct {
	Client *client.Client
	app    *app
	mu     sync.Mutex
	sess   *Session
	// meCache is GET /me, asked at most once per run (roles.go).
	meCache meCache
}

// api signs the profile in from its cached session (refreshed if needed).
func (a *app) api(ctx context.Context) (*API, error) {
	p, s, err := a.session(ctx)
	if err != nil {
		return nil, err
	}
	x := &API{app: a, sess: s}
	x.Client, err = client.NewClient(p.APIURL,
		client.WithHTTPClient(a.io.HTTPClient),
		client.WithRequestEditorFn(func(ctx context.Context, r *http.Request) error {
			token, err := x.idToken(ctx)
			if err != nil {
				return err
			}
			r.Header.Set("Authorization", token)
			r.Header.Set("User-Agent", "useradmin")
			return nil
		}))
	if err != nil {
		return nil, usageErr("profile %s: api url %q: %v", a.profile, p.APIURL, err)
	}
	return x, nil
}

// idToken is the session's ID token, renewed first when it is about to expire.
func (x *API) idToken(ctx context.Context) (string, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.app.io.Now().Add(refreshMargin).Before(x.sess.ExpiresAt) {
		return x.sess.IDToken, nil
	}
	_, s, err := x.app.session(ctx)
	if err != nil {
		return "", err
	}
	x.sess = s
	return s.IDToken, nil
}

// Do sends one request and returns the body of a 2xx response. An error
// response is an *APIError; 401 (the API refused the session's token) is
// an ExitNoSession error.
func (x *API) Do(resp *http.Response, err error) ([]byte, error) {
	var ee *exitError
	if errors.As(err, &ee) {
		return nil, err // the session could not be renewed
	}
	if err != nil {
		if x.app != nil {
			if p, perr := x.app.loadProfile(); perr == nil {
				err = x.app.unreachable(err, p)
			}
		}
		return nil, failErr("calling the API: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, failErr("reading the API's answer: %v", err)
	}
	if resp.StatusCode < 300 {
		return body, nil
	}
	ae := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid"), RetryAfter: resp.Header.Get("Retry-After")}
	var e client.Error
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		ae.Code, ae.Message = e.Error.Code, e.Error.Message
		if e.RequestId != "" {
			ae.RequestID = e.RequestId
		}
	} else {
		// API Gateway's own answers (the authorizer's 401, throttling):
		// {"message": "…"}.
		var m struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &m)
		ae.Code, ae.Message = http.StatusText(resp.StatusCode), m.Message
		if ae.Message == "" {
			ae.Message = http.StatusText(resp.StatusCode)
		}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		login := "useradmin login"
		if x.app != nil {
			login = x.app.hint("login")
		}
		return nil, &exitError{code: ExitNoSession, err: fmt.Errorf("the API refused the session's token (%v): run %s", ae, login)}
	}
	return nil, ae
}

// exit turns an API error into the command's exit: code 2 when the API
// refused the input (400, 422: the user's input, as a usage error is), else
// 1, with the error's code, message and request id on stderr, and the API's
// advice said as the command to run. email is the command's EMAIL, if any.
func (a *app) exit(err error, email string) error {
	var ae *APIError
	if errors.As(err, &ae) {
		c := *ae
		c.Message = a.translateAdvice(c.Message, email)
		code := ExitAPI
		if inputStatus(c.Status) {
			code = ExitUsage
		}
		return &exitError{code: code, err: &c}
	}
	return err
}
