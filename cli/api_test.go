package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeIDToken is a JWT-shaped token with an exp claim (the command reads,
// never verifies, its tokens).
func fakeIDToken(n int, exp time.Time) string {
	payload, _ := json.Marshal(map[string]any{"email": "admin@example.com", "exp": exp.Unix(), "n": n})
	return "h." + base64.RawURLEncoding.EncodeToString(payload) + ".s"
}

// A long run (a bulk import) outlives one ID token: the API client renews
// it between requests with the refresh token.
func TestAPIRenewsTokenBetweenRequests(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var seen []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"user":{"email":"a@example.com"}}`)
	}))
	defer api.Close()
	refreshes := 0
	cognito := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		if r.Header.Get("X-Amz-Target") != "AWSCognitoIdentityProviderService.InitiateAuth" || in["AuthFlow"] != "REFRESH_TOKEN_AUTH" {
			t.Errorf("unexpected call %s %v", r.Header.Get("X-Amz-Target"), in)
		}
		refreshes++
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"AuthenticationResult": map[string]any{
			"IdToken": fakeIDToken(2, now.Add(15*time.Minute)), "AccessToken": "access2", "ExpiresIn": 900,
		}})
	}))
	defer cognito.Close()

	dir := t.TempDir()
	a := newApp(IO{Now: func() time.Time { return now }})
	a.confDir, a.profile, a.output = dir, "default", "json"
	if err := a.saveProfile(Profile{APIURL: api.URL, Region: "us-east-1", UserPoolID: "us-east-1_x", ClientID: "c", CognitoEndpoint: cognito.URL}); err != nil {
		t.Fatal(err)
	}
	first := fakeIDToken(1, now.Add(15*time.Minute))
	if err := a.saveSession(&Session{IDToken: first, AccessToken: "access1", RefreshToken: "refresh", ExpiresAt: now.Add(15 * time.Minute), ClientID: "c"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x, err := a.api(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := now
	// At 0 the first token; at 20 min (past it) a renewed one; at 30 min the same renewed one.
	for _, at := range []time.Duration{0, 20 * time.Minute, 30 * time.Minute} {
		now = start.Add(at)
		if _, err := x.Do(x.Client.GetUser(ctx, "a@example.com")); err != nil {
			t.Fatal(err)
		}
	}
	if refreshes != 1 || len(seen) != 3 || seen[0] != first || seen[1] == first || seen[2] != seen[1] {
		t.Fatalf("refreshes %d; tokens sent: first=%v second renewed=%v third reused=%v", refreshes, seen[0] == first, seen[1] != first, seen[2] == seen[1])
	}
	if s, _ := a.loadSession(); s == nil || s.IDToken != seen[1] || s.RefreshToken != "refresh" {
		t.Error("the renewed session was not saved with the refresh token kept")
	}
}

func TestAPIErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		status  int
		header  http.Header
		body    string
		code    int
		message string
	}{
		{409, nil, `{"error":{"code":"UserExists","message":"a user with this email already exists"},"requestId":"r-1"}`, ExitAPI,
			"UserExists: a user with this email already exists (HTTP 409, request id r-1)"},
		{429, http.Header{"Retry-After": {"2"}, "X-Amzn-Requestid": {"gw-1"}}, `{"message":"Too Many Requests"}`, ExitAPI,
			"Too Many Requests (HTTP 429, request id gw-1, retry after 2 s)"},
		{401, nil, `{"message":"Unauthorized"}`, ExitNoSession,
			"the API refused the session's token (Unauthorized (HTTP 401)): run useradmin login"},
		// The API refusing the input is the user's input, as a usage error is: exit 2.
		{400, nil, `{"error":{"code":"InvalidEmail","message":"email is not an address"},"requestId":"r-2"}`, ExitUsage,
			"InvalidEmail: email is not an address (HTTP 400, request id r-2)"},
		{422, nil, `{"error":{"code":"Unprocessable","message":"no"},"requestId":"r-3"}`, ExitUsage,
			"Unprocessable: no (HTTP 422, request id r-3)"},
		// The API's advice in HTTP terms is said as the command to run.
		{409, nil, `{"error":{"code":"InvitationPending","message":"send a new invitation with POST /users/{email}/invitation instead"},"requestId":"r-4"}`, ExitAPI,
			"InvitationPending: send a new invitation with useradmin users resend a@example.com instead (HTTP 409, request id r-4)"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			for k, v := range tc.header {
				w.Header()[k] = v
			}
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
		}))
		resp, err := http.Get(srv.URL)
		_, err = (&API{}).Do(resp, err)
		srv.Close()
		if got := newApp(IO{}).exit(err, "a@example.com"); got == nil || got.Error() != tc.message || got.(*exitError).code != tc.code {
			t.Errorf("%d: %v, want %q (exit %d)", tc.status, got, tc.message, tc.code)
		}
	}
}

// --limit is sent whenever it is given, so --limit 0 gets the API's
// "limit must be … from 1 to 60" instead of silently meaning the default.
func TestListLimitGivenIsSent(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/me" {
			fmt.Fprint(w, `{"email":"a@example.com","sub":"s","roles":["admins"],"permissions":["users:read"],"roleDefinitions":[{"name":"admins","permissions":["users:read"]}]}`)
			return
		}
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		fmt.Fprint(w, `{"users":[]}`)
	}))
	defer api.Close()
	env := signedInProfile(t, api.URL)
	for _, args := range [][]string{{"users", "list", "--limit", "0"}, {"groups", "members", "admins", "--limit", "0"}, {"users", "list"}} {
		if code, _, stderr := run(t, env, "", args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if len(queries) != 3 || queries[0] != "groups=true&limit=0" || queries[1] != "groups=true&limit=0" || queries[2] != "groups=true" {
		t.Errorf("queries %q, want limit=0 twice, then none", queries)
	}
}

// users list and groups members show each user's groups, as they always
// have, so they ask the API for them (it leaves them out unless asked);
// --no-groups leaves them out, and the table its GROUPS column, rather than
// showing an empty one that would read as "in no group".
func TestListAsksForGroups(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/me" { // the roles' pre-check: a caller with no role is checked by the API only
			fmt.Fprint(w, `{"email":"a@example.com","sub":"s","roles":[],"permissions":[],"roleDefinitions":[]}`)
			return
		}
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		groups := ""
		if r.URL.Query().Get("groups") == "true" {
			groups = `"groups":["ops","staff"],`
		}
		fmt.Fprintf(w, `{"users":[{"username":"u1","email":"a@example.com","status":"CONFIRMED","enabled":true,`+
			`"createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05Z",%s"attributes":{}}]}`, groups)
	}))
	defer api.Close()
	env := signedInProfile(t, api.URL)
	for _, tc := range []struct {
		args        []string
		query       string
		header, row string
	}{
		{[]string{"users", "list"}, "groups=true", "GROUPS", "ops,staff"},
		{[]string{"users", "list", "--no-groups", "--limit", "600"}, "groups=false&limit=600", "", ""},
		{[]string{"groups", "members", "ops"}, "groups=true", "GROUPS", "ops,staff"},
		{[]string{"groups", "members", "ops", "--no-groups"}, "groups=false", "", ""},
	} {
		queries = nil
		code, stdout, stderr := run(t, env, "", append(tc.args, "--output", "table")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		if len(queries) != 1 || queries[0] != tc.query {
			t.Errorf("%v: queries %q, want %q", tc.args, queries, tc.query)
		}
		lines := strings.Split(stdout, "\n")
		if len(lines) < 2 || strings.Contains(lines[0], "GROUPS") != (tc.header != "") || !strings.Contains(lines[1], "a@example.com") ||
			(tc.row != "" && !strings.Contains(lines[1], tc.row)) {
			t.Errorf("%v: table\n%s", tc.args, stdout)
		}
	}
}
