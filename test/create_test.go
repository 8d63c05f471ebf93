package test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestAuthorizer(t *testing.T) {
	needEnv(t)
	before := userCount(t)
	body := `{"email":"intruder@example.com"}`
	forged := forge(t, token(t, adminEmail))
	for name, tok := range map[string]string{"no token": "", "garbage": "not-a-jwt", "forged signature": forged, "bearer prefix of garbage": "Bearer x.y.z"} {
		t.Run(name, func(t *testing.T) {
			r := call(t, http.MethodPost, "/users", tok, "application/json", body)
			if r.status != http.StatusUnauthorized || r.raw != `{"message":"Unauthorized"}` {
				t.Errorf("got %d %s, want 401 {\"message\":\"Unauthorized\"}", r.status, r.raw)
			}
		})
	}
	t.Run("valid non-admin", func(t *testing.T) {
		r := call(t, http.MethodPost, "/users", token(t, userEmail), "application/json", body)
		if r.status != http.StatusForbidden || r.errorCode() != "Forbidden" {
			t.Errorf("got %d %s, want 403 Forbidden", r.status, r.raw)
		}
	})
	if n := userCount(t); n != before {
		t.Errorf("user count went from %d to %d: a refused call created a user", before, n)
	}
}

// forge re-signs a real token's claims with a key the pool never issued.
func forge(t *testing.T, real string) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(real, claims); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "dummy" // the emulator's key id
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreate(t *testing.T) {
	needEnv(t)
	r := createJSON(t, `{"email":"  Ada.Lovelace@Example.COM "}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	u := r.user()
	if u["email"] != "ada.lovelace@example.com" || u["status"] != "FORCE_CHANGE_PASSWORD" || u["enabled"] != true {
		t.Errorf("user = %v", u)
	}
	if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/users/ada.lovelace@example.com") {
		t.Errorf("Location = %q", loc)
	}
	pu := poolUser(t, "ada.lovelace@example.com")
	if pu == nil {
		t.Fatal("the user is not in the pool")
	}
	if string(pu.UserStatus) != "FORCE_CHANGE_PASSWORD" || attr(pu, "email_verified") != "true" || attr(pu, "email") != "ada.lovelace@example.com" {
		t.Errorf("in the pool: status %s, email %q, email_verified %q", pu.UserStatus, attr(pu, "email"), attr(pu, "email_verified"))
	}

	before := userCount(t)
	again := createJSON(t, `{"email":"ADA.LOVELACE@example.com"}`)
	if again.status != http.StatusConflict || again.errorCode() != "UserExists" {
		t.Errorf("same email in another case: %d %s, want 409 UserExists", again.status, again.raw)
	}
	if n := userCount(t); n != before {
		t.Errorf("the duplicate changed the user count from %d to %d", before, n)
	}

	form := asAdmin(t, http.MethodPost, "/users", "application/x-www-form-urlencoded", "email=grace%40example.com&sendInvitation=false")
	if form.status != http.StatusCreated || form.user()["email"] != "grace@example.com" {
		t.Errorf("form body: %d %s", form.status, form.raw)
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	needEnv(t)
	big := `{"email":"big@example.com","groups":["` + strings.Repeat("a", 17<<10) + `"]}`
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		code                    string
	}{
		{"missing email", "application/json", `{"sendInvitation":true}`, 400, "InvalidRequest"},
		{"invalid email", "application/json", `{"email":"not-an-email"}`, 400, "InvalidEmail"},
		{"display name", "application/json", `{"email":"Ada <ada@example.com>"}`, 400, "InvalidEmail"},
		{"list of emails", "application/json", `{"email":"a@example.com, b@example.com"}`, 400, "InvalidEmail"},
		{"email a number", "application/json", `{"email":42}`, 400, "InvalidRequest"},
		{"sendInvitation a string", "application/json", `{"email":"t1@example.com","sendInvitation":"yes"}`, 400, "InvalidRequest"},
		{"groups not a list", "application/json", `{"email":"t2@example.com","groups":"admins"}`, 400, "InvalidRequest"},
		{"unknown field", "application/json", `{"email":"t3@example.com","admin":true}`, 400, "InvalidRequest"},
		{"malformed JSON", "application/json", `{"email":`, 400, "InvalidRequest"},
		{"array", "application/json", `[{"email":"t4@example.com"}]`, 400, "InvalidRequest"},
		{"empty body", "application/json", ``, 400, "InvalidRequest"},
		{"empty form", "application/x-www-form-urlencoded", ``, 400, "InvalidRequest"},
		{"unknown form field", "application/x-www-form-urlencoded", `email=t5%40example.com&role=admin`, 400, "InvalidRequest"},
		{"oversized body", "application/x-www-form-urlencoded", "email=big%40example.com&groups=" + strings.Repeat("a", 17<<10), 413, "PayloadTooLarge"},
		{"oversized JSON", "application/json", big, 400, "InvalidRequest"},
		{"other content type", "text/plain", `email=t6@example.com`, 415, "UnsupportedMediaType"},
		{"weak temporary password", "application/json", `{"email":"t7@example.com","temporaryPassword":"alllowercase1!"}`, 400, "InvalidPassword"},
		{"unmanaged group", "application/json", `{"email":"t8@example.com","groups":["root"]}`, 403, "GroupNotManaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := userCount(t)
			r := asAdmin(t, http.MethodPost, "/users", tc.contentType, tc.body)
			if r.status != tc.status || r.errorCode() != tc.code {
				t.Errorf("got %d %s, want %d %s", r.status, truncate(r.raw), tc.status, tc.code)
			}
			if msg, _ := r.body["error"].(map[string]any)["message"].(string); msg == "" {
				t.Errorf("no error message: %s", truncate(r.raw))
			}
			if r.body["requestId"] == "" || r.body["requestId"] == nil {
				t.Errorf("no requestId: %s", truncate(r.raw))
			}
			if n := userCount(t); n != before {
				t.Errorf("user count went from %d to %d", before, n)
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// A given temporary password works for the first sign-in, which then asks
// for a new password; the password shows up in no log line.
func TestTemporaryPassword(t *testing.T) {
	needEnv(t)
	const temp = "Temp-Passw0rd-42!"
	r := createJSON(t, `{"email":"linus@example.com","temporaryPassword":"`+temp+`","sendInvitation":false}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	if strings.Contains(r.raw, temp) {
		t.Error("the response echoes the temporary password")
	}
	out, err := env.SignIn(context.Background(), "linus@example.com", temp)
	if err != nil {
		t.Fatalf("sign-in with the temporary password: %v", err)
	}
	if out.ChallengeName != "NEW_PASSWORD_REQUIRED" {
		t.Errorf("challenge = %q, want NEW_PASSWORD_REQUIRED", out.ChallengeName)
	}
	if strings.Contains(logs.String(), temp) {
		t.Error("the temporary password appears in the logs")
	}
	if !strings.Contains(logs.String(), `"target":"linus@example.com"`) {
		t.Error("no audit line for the create")
	}
}

func TestParallelCreates(t *testing.T) {
	needEnv(t)
	tok := token(t, adminEmail)
	statuses := func(bodies []string) map[int]int {
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for _, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := send(http.MethodPost, "/users", tok, "application/json", b)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Error(err) // safe from a goroutine, unlike t.Fatal
					return
				}
				got[r.status]++
			}()
		}
		wg.Wait()
		return got
	}
	var distinct []string
	for i := range 40 {
		distinct = append(distinct, fmt.Sprintf(`{"email":"parallel%02d@example.com","sendInvitation":false}`, i))
	}
	if got := statuses(distinct); got[201] != 40 {
		t.Errorf("40 distinct creates: %v, want 40 × 201", got)
	}
	var same []string
	for i := range 10 {
		// One address, written ten ways.
		same = append(same, fmt.Sprintf(`{"email":"%sSame.Person@example.com"}`, strings.Repeat(" ", i)))
	}
	if got := statuses(same); got[201] != 1 || got[409] != 9 {
		t.Errorf("10 creates of one email: %v, want one 201 and nine 409", got)
	}
}
