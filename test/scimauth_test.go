package test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/local"
)

// passedGateway reports whether a request got past the gateway's
// authorizer to the function: the gateway marks every answer of its own
// (401, 403, 404 of a route, …) with X-Amzn-Errortype.
func passedGateway(r response) bool { return r.header.Get("X-Amzn-Errortype") == "" }

// TestSCIMAuthLocal: dev's SCIM routes, as make dev serves them from the
// template, admit the bearer token whose hash local mode put in the
// emulator's Secrets Manager and the SCIM client's client-credentials
// token from the stand-in token endpoint; they refuse an administrator's
// ID token; and the admin routes refuse both SCIM tokens.
func TestSCIMAuthLocal(t *testing.T) {
	needEnv(t)
	s := env.SCIM
	if s == nil || s.Token == "" || s.ClientID == "" || s.TokenSecretArn == "" {
		t.Fatalf("dev's local SCIM: %+v, want a bearer token and client credentials", s)
	}
	// The stand-in token endpoint, with the SCIM client's id and secret from the emulator.
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"scim/provision"}}
	req, _ := http.NewRequest(http.MethodPost, gateway.URL+local.TokenPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: %d", resp.StatusCode)
	}
	client, err := s.ClientToken()
	if err != nil {
		t.Fatal(err)
	}
	admin := token(t, adminEmail)

	for name, auth := range map[string]string{"bearer": "Bearer " + s.Token, "client credentials": "Bearer " + client} {
		for _, path := range []string{"/scim/v2/ServiceProviderConfig", "/scim/v2/Users?filter=" + url.QueryEscape(`userName eq "nobody@example.com"`)} {
			if r := call(t, http.MethodGet, path, auth, "", ""); !passedGateway(r) {
				t.Errorf("%s on %s: %d %s, want it passed to the function", name, path, r.status, r.header.Get("X-Amzn-Errortype"))
			}
		}
	}
	for name, tc := range map[string]struct{ path, auth string }{
		"admin ID token on SCIM":         {"/scim/v2/Users", admin},
		"admin ID token, Bearer, SCIM":   {"/scim/v2/Users", "Bearer " + admin},
		"no token on SCIM":               {"/scim/v2/Users", ""},
		"SCIM bearer on /users":          {"/users", "Bearer " + s.Token},
		"SCIM bearer, raw, on /users":    {"/users", s.Token},
		"SCIM client token on /users":    {"/users", client},
		"SCIM client, Bearer, on /users": {"/users", "Bearer " + client},
	} {
		r := call(t, http.MethodGet, tc.path, tc.auth, "", "")
		if r.status != http.StatusUnauthorized || r.header.Get("X-Amzn-Errortype") != "UNAUTHORIZED" {
			t.Errorf("%s: %d %s %s, want the gateway's 401", name, r.status, r.header.Get("X-Amzn-Errortype"), r.raw)
		}
	}
}
