package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/useradmin/cognito-user-admin/api/client"
)

// APIError is an error response of the admin API.
type APIError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: %s (HTTP %d", e.Code, e.Message, e.Status)
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	return s + ")"
}

// API is the admin API as the signed-in profile: the generated client with
// the session's ID token on every request. Commands that call the API (and
// bulk ones that call it many times) share it.
type API struct {
	Client *client.Client
	app    *app
}

// api signs the profile in from its cached session (refreshed if needed).
func (a *app) api(ctx context.Context) (*API, error) {
	p, s, err := a.session(ctx)
	if err != nil {
		return nil, err
	}
	token := s.IDToken
	c, err := client.NewClient(p.APIURL,
		client.WithHTTPClient(a.io.HTTPClient),
		client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", token)
			r.Header.Set("User-Agent", "useradmin")
			return nil
		}))
	if err != nil {
		return nil, usageErr("profile %s: api url %q: %v", a.profile, p.APIURL, err)
	}
	return &API{Client: c, app: a}, nil
}

// Do sends one request and returns the body of a 2xx response. An error
// response is an *APIError; 401 (the API refused the session's token) is
// an ExitNoSession error.
func (x *API) Do(resp *http.Response, err error) ([]byte, error) {
	if err != nil {
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
	ae := &APIError{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid")}
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
		return nil, &exitError{code: ExitNoSession, err: fmt.Errorf("the API refused the session's token (%v): run useradmin login", ae)}
	}
	return nil, ae
}

// exit turns an API error into the command's exit: code 1, with the
// error's code, message and request id on stderr.
func exit(err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		return &exitError{code: ExitAPI, err: ae}
	}
	return err
}
