package handler

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIClient: only ID tokens issued to an allowed client (aud) may call
// the API, whatever groups they carry; Cognito is not called for the others.
func TestAPIClient(t *testing.T) {
	const admin = `"sub":"sub-0001","email":"admin@example.com","cognito:groups":"admins","token_use":"id"`
	for _, tc := range []struct {
		name, claims string
		allowed      bool
	}{
		{"the admin client", `{` + admin + `,"aud":"5example0client0id"}`, true},
		{"the app client", `{` + admin + `,"aud":"3app0client0id"}`, false},
		{"no aud", `{` + admin + `}`, false},
		{"empty aud", `{` + admin + `,"aud":""}`, false},
		{"aud as a list", `{` + admin + `,"aud":["5example0client0id"]}`, false},
		{"aud differing in case", `{` + admin + `,"aud":"5EXAMPLE0CLIENT0ID"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			resp := hs.do(t, ev{method: "GET", resource: "/users", claims: tc.claims})
			if tc.allowed {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %d %s, want 200", resp.StatusCode, resp.Body)
				}
				return
			}
			e := wantError(t, resp, http.StatusForbidden, "Forbidden")
			if !strings.Contains(e.Error.Message, "admin client") {
				t.Errorf("message = %q, want one that says to sign in through the admin client", e.Error.Message)
			}
			if calls := hs.fake.methods(); len(calls) != 0 {
				t.Errorf("Cognito was called for a refused client: %v", calls)
			}
		})
	}
}

// TestAPIClientsFromSettings: a configuration that allows both clients admits both.
func TestAPIClientsFromSettings(t *testing.T) {
	hs := newHarness(t)
	hs.h.settings.APIClientIDs = append(hs.h.settings.APIClientIDs, "3app0client0id")
	claims := `{"sub":"sub-0001","cognito:groups":"admins","token_use":"id","aud":"3app0client0id"}`
	if resp := hs.do(t, ev{method: "GET", resource: "/users", claims: claims}); resp.StatusCode != http.StatusOK {
		t.Fatalf("app client allowed by the settings: got %d %s", resp.StatusCode, resp.Body)
	}
}
