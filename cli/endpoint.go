package cli

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// The command sends ID, access and refresh tokens, passwords and TOTP codes.
// Over plain http:// anyone on the path reads them, so http:// is allowed
// only to a loopback address (local mode's 127.0.0.1), where no network is
// crossed. A name such as localhost is not taken on trust: what it resolves
// to is up to the machine's resolver, not to this command.

// checkEndpoint refuses a URL that is not https://, or http:// to a loopback
// address. what names it in the message (a flag, or a profile's field).
func checkEndpoint(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s %q is not an http(s) URL", what, raw)
	}
	return plainHTTPRefused(what, u)
}

// plainHTTPRefused is the error for u when it is http:// to anything but a loopback address.
func plainHTTPRefused(what string, u *url.URL) error {
	if u.Scheme != "http" || isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%s %q: http:// is allowed only to a loopback address such as 127.0.0.1 (local mode): "+
		"tokens and passwords would cross the network unencrypted; use https://", what, u.Redacted())
}

// isLoopback reports whether host is a loopback IP address (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkEndpoints holds a saved profile to the rule, on every use: the
// profiles file may have been edited by hand.
func (p Profile) checkEndpoints() error {
	if err := checkEndpoint("api url", p.APIURL); err != nil {
		return err
	}
	if p.CognitoEndpoint != "" {
		return checkEndpoint("cognito endpoint", p.CognitoEndpoint)
	}
	return nil
}

// loopbackOnlyHTTP refuses every request over plain http:// to a host that is
// not a loopback address, whatever made it: a profile, or a redirect from an
// https:// endpoint (Go's client keeps the Authorization header on a
// redirect to the same host).
type loopbackOnlyHTTP struct{ next http.RoundTripper }

func (t loopbackOnlyHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := plainHTTPRefused("request to", r.URL); err != nil {
		if r.Body != nil {
			r.Body.Close() // a RoundTripper must close the body, even on error
		}
		return nil, err
	}
	return t.next.RoundTrip(r)
}

// withLoopbackOnlyHTTP returns a copy of c whose transport refuses plain http:// off the machine.
func withLoopbackOnlyHTTP(c *http.Client) *http.Client {
	guarded := *c
	next := guarded.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	guarded.Transport = loopbackOnlyHTTP{next: next}
	return &guarded
}
