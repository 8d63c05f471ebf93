package handler

import (
	"net/http"
	"testing"
)

// A gateway that ignores a trailing slash hands "DELETE /users/x/" (what a
// client resolving "/users/x/groups/.." sends) to DELETE /users/{email}:
// the function answers it as no route, and deletes nobody. Likewise for
// any empty or dot segment.
func TestUncleanPathIsNoRoute(t *testing.T) {
	for _, tc := range []struct{ method, resource, path, email, group string }{
		{"DELETE", "/users/{email}", "/users/active%40example.com/", "active%40example.com", ""},
		{"DELETE", "/users/{email}", "/users/active%40example.com//", "active%40example.com", ""},
		{"GET", "/users/{email}", "/users//active%40example.com", "active%40example.com", ""},
		{"DELETE", "/users/{email}/groups/{group}", "/users/active%40example.com/groups/..", "active%40example.com", ".."},
		{"PUT", "/users/{email}/groups/{group}", "/users/active%40example.com/groups/.", "active%40example.com", "."},
		{"POST", "/users/{email}/disable", "/users/./../active%40example.com/disable", "active%40example.com", ""},
	} {
		hs := newHarness(t)
		before := hs.fake.snapshot()
		req := ev{method: tc.method, resource: tc.resource, params: map[string]string{"email": tc.email, "group": tc.group}}.request(t)
		req.Path = tc.path
		hs.fake.newRequest()
		resp, err := hs.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, resp, http.StatusNotFound, "NotFound")
		if calls := hs.fake.recorded(); len(calls) != 0 {
			t.Errorf("%s %s called Cognito: %v", tc.method, tc.path, calls)
		}
		if after := hs.fake.snapshot(); after != before {
			t.Errorf("%s %s changed the pool", tc.method, tc.path)
		}
	}
	// The clean path of the same request is served.
	hs := newHarness(t)
	if resp := hs.do(t, userEvent("GET", "/users/{email}", "active@example.com")); resp.StatusCode != http.StatusOK {
		t.Errorf("clean path: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestCleanPath(t *testing.T) {
	for p, want := range map[string]bool{
		"": true, "/": true, "/users": true, "/users/a%40b.com/groups/x": true, "/users/a..b/x.y": true,
		"/users/": false, "//users": false, "/users//x": false, "/users/./x": false, "/users/..": false, "/users/x/.": false,
	} {
		if got := cleanPath(p); got != want {
			t.Errorf("cleanPath(%q) = %v, want %v", p, got, want)
		}
	}
}
