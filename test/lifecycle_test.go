package test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// mustCreate creates a user through the API, without an invitation.
func mustCreate(t *testing.T, email string) {
	t.Helper()
	if r := createJSON(t, `{"email":"`+email+`","sendInvitation":false}`); r.status != http.StatusCreated {
		t.Fatalf("creating %s: %d %s", email, r.status, r.raw)
	}
}

func userPath(email string, rest ...string) string {
	p := "/users/" + url.PathEscape(email)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

func TestGetUser(t *testing.T) {
	needEnv(t)
	mustCreate(t, "get.me@example.com")
	for _, asked := range []string{"get.me@example.com", "Get.Me@EXAMPLE.com", "get.me%40example.com"} {
		path := "/users/" + asked
		r := asAdmin(t, http.MethodGet, path, "", "")
		if r.status != http.StatusOK || r.user()["email"] != "get.me@example.com" {
			t.Errorf("GET %s: %d %s", path, r.status, r.raw)
		}
		if _, ok := r.user()["groups"].([]any); !ok {
			t.Errorf("GET %s: groups is not a list: %s", path, r.raw)
		}
	}
	if r := asAdmin(t, http.MethodGet, userPath("nobody@example.com"), "", ""); r.status != http.StatusNotFound || r.errorCode() != "UserNotFound" {
		t.Errorf("unknown user: %d %s, want 404 UserNotFound", r.status, r.raw)
	}
	if r := asAdmin(t, http.MethodGet, userPath("not-an-email"), "", ""); r.status != http.StatusBadRequest {
		t.Errorf("invalid email in the path: %d %s, want 400", r.status, r.raw)
	}
}

// Paging through more users than one page visits each exactly once.
func TestListPaging(t *testing.T) {
	needEnv(t)
	want := map[string]bool{}
	for i := range 23 {
		e := fmt.Sprintf("pager%02d@example.com", i)
		mustCreate(t, e)
		want[e] = true
	}
	seen := map[string]int{}
	next, pages := "", 0
	for {
		q := url.Values{"limit": {"5"}, "email": {"pager"}}
		if next != "" {
			q.Set("nextToken", next)
		}
		r := asAdmin(t, http.MethodGet, "/users?"+q.Encode(), "", "")
		if r.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, r.status, r.raw)
		}
		pages++
		users, _ := r.body["users"].([]any)
		if len(users) > 5 {
			t.Errorf("page %d has %d users, limit 5", pages, len(users))
		}
		for _, u := range users {
			seen[u.(map[string]any)["email"].(string)]++
		}
		tok, has := r.body["nextToken"]
		if !has {
			break
		}
		next = tok.(string)
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if pages < 5 {
		t.Errorf("%d pages for 23 users at 5 a page", pages)
	}
	for e := range want {
		if seen[e] != 1 {
			t.Errorf("%s seen %d times", e, seen[e])
		}
	}
	for e := range seen {
		if !want[e] {
			t.Errorf("%s is not a pager user", e)
		}
	}

	r := asAdmin(t, http.MethodGet, "/users?status=FORCE_CHANGE_PASSWORD&limit=60", "", "")
	if r.status != http.StatusOK {
		t.Fatalf("status filter: %d %s", r.status, r.raw)
	}
	for _, u := range r.body["users"].([]any) {
		if s := u.(map[string]any)["status"]; s != "FORCE_CHANGE_PASSWORD" {
			t.Errorf("status filter returned a %v user", s)
		}
	}
}

func TestListLimits(t *testing.T) {
	needEnv(t)
	for _, q := range []string{"limit=0", "limit=601", "limit=61&groups=true", "groups=yes", "limit=ten", "status=SLEEPING", "status=CONFIRMED&email=a", "nextToken=forged", "sort=email"} {
		if r := asAdmin(t, http.MethodGet, "/users?"+q, "", ""); r.status != http.StatusBadRequest {
			t.Errorf("GET /users?%s: %d %s, want 400", q, r.status, r.raw)
		}
	}
	for _, q := range []string{"limit=60&groups=true", "limit=600"} {
		if r := asAdmin(t, http.MethodGet, "/users?"+q, "", ""); r.status != http.StatusOK {
			t.Errorf("%s: %d %s", q, r.status, r.raw)
		}
	}
}

func TestResendInvitation(t *testing.T) {
	needEnv(t)
	mustCreate(t, "pending@example.com")
	before := userCount(t)
	r := asAdmin(t, http.MethodPost, userPath("pending@example.com", "invitation"), "", "")
	if r.status != http.StatusOK || r.user()["status"] != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("resend to a pending user: %d %s", r.status, r.raw)
	}
	if n := userCount(t); n != before {
		t.Errorf("resend changed the user count from %d to %d", before, n)
	}
	if r := asAdmin(t, http.MethodPost, userPath("ghost@example.com", "invitation"), "", ""); r.status != http.StatusNotFound {
		t.Errorf("resend to an unknown user: %d %s, want 404", r.status, r.raw)
	}
	// The seeded user has set a password: there is no invitation to resend.
	if r := asAdmin(t, http.MethodPost, userPath(userEmail, "invitation"), "", ""); r.status != http.StatusConflict {
		t.Errorf("resend to a confirmed user: %d %s, want 409", r.status, r.raw)
	}
}

func TestDisableEnable(t *testing.T) {
	needEnv(t)
	mustCreate(t, "leaver@example.com")
	r := asAdmin(t, http.MethodPost, userPath("leaver@example.com", "disable"), "", "")
	if r.status != http.StatusOK || r.user()["enabled"] != false {
		t.Fatalf("disable: %d %s", r.status, r.raw)
	}
	if u := poolUser(t, "leaver@example.com"); u == nil || u.Enabled {
		t.Error("the user is still enabled in the pool")
	}
	r = asAdmin(t, http.MethodPost, userPath("leaver@example.com", "enable"), "", "")
	if r.status != http.StatusOK || r.user()["enabled"] != true {
		t.Fatalf("enable: %d %s", r.status, r.raw)
	}
	if u := poolUser(t, "leaver@example.com"); u == nil || !u.Enabled {
		t.Error("the user is still disabled in the pool")
	}
	if r := asAdmin(t, http.MethodPost, userPath("ghost@example.com", "disable"), "", ""); r.status != http.StatusNotFound {
		t.Errorf("disable an unknown user: %d, want 404", r.status)
	}
}

// An admin cannot lock themselves out.
func TestSelfProtection(t *testing.T) {
	needEnv(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, userPath(adminEmail, "disable")},
		{http.MethodDelete, userPath(adminEmail)},
		{http.MethodDelete, userPath(adminEmail, "groups", "admins")},
	} {
		r := asAdmin(t, tc.method, tc.path, "", "")
		if r.status != http.StatusForbidden || r.errorCode() != "CannotModifySelf" {
			t.Errorf("%s %s: %d %s, want 403 CannotModifySelf", tc.method, tc.path, r.status, r.raw)
		}
	}
	u := poolUser(t, adminEmail)
	if u == nil || !u.Enabled || !slices.Contains(poolGroups(t, adminEmail), "admins") {
		t.Error("the admin's own account changed")
	}
}

func TestGroupMembership(t *testing.T) {
	needEnv(t)
	mustCreate(t, "promoted@example.com")
	path := userPath("promoted@example.com", "groups", "admins")
	if r := asAdmin(t, http.MethodPut, path, "", ""); r.status != http.StatusNoContent {
		t.Fatalf("add to group: %d %s", r.status, r.raw)
	}
	if !slices.Contains(poolGroups(t, "promoted@example.com"), "admins") {
		t.Error("not in admins in the pool")
	}
	if r := asAdmin(t, http.MethodGet, userPath("promoted@example.com"), "", ""); !slices.Contains(r.user()["groups"].([]any), any("admins")) {
		t.Errorf("GET does not show the group: %s", r.raw)
	}
	if r := asAdmin(t, http.MethodDelete, path, "", ""); r.status != http.StatusNoContent {
		t.Fatalf("remove from group: %d %s", r.status, r.raw)
	}
	if slices.Contains(poolGroups(t, "promoted@example.com"), "admins") {
		t.Error("still in admins in the pool")
	}
	if r := asAdmin(t, http.MethodPut, userPath("promoted@example.com", "groups", "root"), "", ""); r.status != http.StatusForbidden || r.errorCode() != "GroupNotManaged" {
		t.Errorf("a group config does not manage: %d %s, want 403 GroupNotManaged", r.status, r.raw)
	}
	if r := asAdmin(t, http.MethodPut, userPath("ghost@example.com", "groups", "admins"), "", ""); r.status != http.StatusNotFound || r.errorCode() != "UserNotFound" {
		t.Errorf("unknown user: %d %s, want 404 UserNotFound", r.status, r.raw)
	}
}

func TestDelete(t *testing.T) {
	needEnv(t)
	mustCreate(t, "gone@example.com")
	if r := asAdmin(t, http.MethodDelete, userPath("gone@example.com"), "", ""); r.status != http.StatusNoContent || r.raw != "" {
		t.Fatalf("delete: %d %q", r.status, r.raw)
	}
	if poolUser(t, "gone@example.com") != nil {
		t.Error("the user is still in the pool")
	}
	if r := asAdmin(t, http.MethodGet, userPath("gone@example.com"), "", ""); r.status != http.StatusNotFound {
		t.Errorf("get after delete: %d, want 404", r.status)
	}
	if r := asAdmin(t, http.MethodDelete, userPath("gone@example.com"), "", ""); r.status != http.StatusNotFound {
		t.Errorf("second delete: %d, want 404", r.status)
	}
}

// Every route refuses a non-admin, and changes nothing.
func TestEveryRouteNeedsAnAdmin(t *testing.T) {
	needEnv(t)
	before := userCount(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/users"},
		{http.MethodGet, userPath(adminEmail)},
		{http.MethodPost, userPath(adminEmail, "invitation")},
		{http.MethodPost, userPath(adminEmail, "disable")},
		{http.MethodPost, userPath(adminEmail, "enable")},
		{http.MethodDelete, userPath(adminEmail)},
		{http.MethodPut, userPath(userEmail, "groups", "admins")},
		{http.MethodDelete, userPath(adminEmail, "groups", "admins")},
	} {
		if r := call(t, tc.method, tc.path, token(t, userEmail), "", ""); r.status != http.StatusForbidden {
			t.Errorf("non-admin %s %s: %d %s, want 403", tc.method, tc.path, r.status, r.raw)
		}
		if r := call(t, tc.method, tc.path, "", "", ""); r.status != http.StatusUnauthorized {
			t.Errorf("no token %s %s: %d, want 401", tc.method, tc.path, r.status)
		}
	}
	if n := userCount(t); n != before {
		t.Errorf("user count went from %d to %d", before, n)
	}
	if slices.Contains(poolGroups(t, userEmail), "admins") {
		t.Error("the non-admin made themselves an admin")
	}
}

// An address holding "%" is addressed as itself: path parameters are
// decoded exactly once, so "a%41@…" is never taken for "aa@…".
func TestPercentInPath(t *testing.T) {
	needEnv(t)
	mustCreate(t, "a%41@example.com")
	mustCreate(t, "aa@example.com")
	r := asAdmin(t, http.MethodGet, userPath("a%41@example.com"), "", "")
	if r.status != http.StatusOK || r.user()["email"] != "a%41@example.com" {
		t.Fatalf("GET %s: %d %s", userPath("a%41@example.com"), r.status, r.raw)
	}
	if r := asAdmin(t, http.MethodDelete, userPath("a%41@example.com"), "", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if poolUser(t, "aa@example.com") == nil {
		t.Error("deleting a%41@example.com deleted aa@example.com")
	}
	if poolUser(t, "a%41@example.com") != nil {
		t.Error("a%41@example.com is still in the pool")
	}
}

// A path with a trailing slash or a dot segment maps onto no route: "DELETE
// /users/EMAIL/" (what a client makes of ".../groups/.." once it resolves
// it) is not a deletion. (The function refuses such a path too, whatever the
// gateway does: lambda/handler's TestUncleanPathIsNoRoute.)
func TestPathThatChangesMeaning(t *testing.T) {
	needEnv(t)
	const victim = "path.victim@example.com"
	if err := env.SeedUser(context.Background(), victim, password, "admins"); err != nil {
		t.Fatal(err)
	}
	esc := url.PathEscape(victim)
	for _, tc := range []struct{ method, path string }{
		{http.MethodDelete, "/users/" + esc + "/"},
		{http.MethodDelete, "/users/" + esc + "/groups/.."},
		{http.MethodDelete, "/users/" + esc + "/groups/admins/."},
		{http.MethodDelete, "/users//" + esc},
		{http.MethodPost, "/users/" + esc + "/disable/"},
		{http.MethodGet, "/users/" + esc + "/"},
	} {
		r := asAdmin(t, tc.method, tc.path, "", "")
		if r.status != http.StatusNotFound || r.errorCode() != "NotFound" {
			t.Errorf("%s %s: %d %s, want 404 NotFound", tc.method, tc.path, r.status, r.raw)
		}
	}
	u := poolUser(t, victim)
	if u == nil || !u.Enabled || !slices.Equal(poolGroups(t, victim), []string{"admins"}) {
		t.Fatalf("the victim changed: %+v, groups %v", u, poolGroups(t, victim))
	}
}
