package handler

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzDecodeCreate feeds arbitrary content types and bodies to the create
// decoder: it must never panic, refuse only with a 4xx, and hand on only a
// normalised email.
func FuzzDecodeCreate(f *testing.F) {
	for _, seed := range []struct {
		ct, body string
		b64      bool
	}{
		{"application/json", `{"email":"a@example.com"}`, false},
		{"application/json; charset=utf-8", `{"email":" A@Example.COM ","temporaryPassword":"Kx9#mQ2!vLp7$wZ4","sendInvitation":false,"groups":["support","admins"]}`, false},
		{"application/json", `{"email":"a@example.com","email":"b@example.com"}`, false},
		{"application/json", `{"email":"a@example.com"} {}`, false},
		{"application/json", `[{"email":"a@example.com"}]`, false},
		{"application/json", `{"email":"Bob <b@example.com>"}`, false},
		{"application/json", `{"email":"a@example.com","groups":[null]}`, false},
		{"application/json", `{"email":"\u00e9@example.com"}`, false},
		{"application/json", "eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ==", true},
		{"application/x-www-form-urlencoded", "email=a%40example.com&groups=a&groups=b&sendInvitation=true", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&email=b%40example.com", false},
		{"application/x-www-form-urlencoded", "email=%zz", false},
		{"text/plain", "email=a@example.com", false},
		{"", "", false},
		{"application/json; charset", "{}", false},
	} {
		f.Add(seed.ct, seed.body, seed.b64)
	}
	f.Fuzz(func(t *testing.T, ct, body string, b64 bool) {
		req := events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": ct}, Body: body, IsBase64Encoded: b64}
		r, err := decodeCreate(req)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status < 400 || ae.status > 499 || ae.code == "" || ae.message == "" {
				t.Fatalf("error %v is not a 4xx apiError", err)
			}
			return
		}
		e := r.email
		if e != strings.ToLower(e) || e != strings.TrimSpace(e) || strings.Count(e, "@") != 1 {
			t.Fatalf("decoded email %q is not normalised", e)
		}
		if again, err := NormalizeEmail(e); err != nil || again != e {
			t.Fatalf("NormalizeEmail(%q) = %q, %v: not idempotent", e, again, err)
		}
		for i, g := range r.groups {
			if g == "" || i > 0 && r.groups[i-1] >= g {
				t.Fatalf("groups %q not sorted, unique and non-empty", r.groups)
			}
		}
	})
}
