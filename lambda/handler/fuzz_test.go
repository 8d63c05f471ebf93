package handler

// Fuzz targets for everything the API decodes from a request. They assert
// properties that must hold for any input rather than particular answers:
// nothing panics, a refusal is always a 4xx in the API's error shape (the fake
// Cognito is healthy, so a 5xx can only be a bug), an email handed on is
// always normalised, and a temporary password is never echoed. Fuzz one with
// go test -run='^$' -fuzz='^FuzzName$' ./lambda/handler; a plain go test
// replays the seeds, including every input a fuzzer once failed on, as
// regression tests.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// checkNormalized fails unless e is what NormalizeEmail promises, checked
// without calling into its rules: a lower-case, trimmed, single plain address.
func checkNormalized(t *testing.T, e string) {
	t.Helper()
	if !utf8.ValidString(e) {
		t.Fatalf("email %q is not valid UTF-8", e)
	}
	if e != strings.ToLower(e) || e != strings.TrimSpace(e) {
		t.Fatalf("email %q is not lower-case and trimmed", e)
	}
	if strings.Count(e, "@") != 1 {
		t.Fatalf("email %q does not hold exactly one @", e)
	}
	if len(e) > maxEmail {
		t.Fatalf("email %q is %d bytes, over %d", e, len(e), maxEmail)
	}
	if i := strings.IndexFunc(e, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		t.Fatalf("email %q holds whitespace or a control character at byte %d", e, i)
	}
	list, err := mail.ParseAddressList(e)
	if err != nil || len(list) != 1 || list[0].Name != "" || list[0].Address != e {
		t.Fatalf("email %q is not one plain address to net/mail: %v %v", e, list, err)
	}
	if again, err := NormalizeEmail(e); err != nil || again != e {
		t.Fatalf("NormalizeEmail(%q) = %q, %v: not idempotent", e, again, err)
	}
}

// checkAPIError fails unless err is a client error the API can answer in its shape.
func checkAPIError(t *testing.T, err error) *apiError {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) || ae.status < 400 || ae.status > 499 || ae.code == "" || ae.message == "" {
		t.Fatalf("error %v is not a 4xx apiError with a code and a message", err)
	}
	return ae
}

// checkAnswer holds for every response Handle gives over a healthy Cognito:
// no recovered panic, no 5xx, and any error in the one error shape. It returns the error, if any.
func checkAnswer(t *testing.T, hs *harness, resp events.APIGatewayProxyResponse) errorResponse {
	t.Helper()
	// Handle turns a panic into a 502, so the log is where a panic shows.
	if len(hs.logs.lines(t, "panic")) != 0 {
		t.Fatalf("Handle recovered from a panic: %s", hs.logs)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 499 {
		t.Fatalf("status %d over a healthy Cognito: %s", resp.StatusCode, resp.Body)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("Cache-Control = %q", resp.Headers["Cache-Control"])
	}
	if resp.StatusCode < 400 {
		return errorResponse{}
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Fatalf("error with Content-Type %q: %s", ct, resp.Body)
	}
	var e errorResponse
	decodeStrict(t, resp.Body, &e)
	if e.Error.Code == "" || e.Error.Message == "" || e.RequestID != "req-1" {
		t.Fatalf("error body %s lacks a code, a message or the request id", resp.Body)
	}
	return e
}

// recorded returns the calls the fake has seen.
func (f *fakeCognito) recorded() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// adminRequest is a request built in Go, as the local gateway builds them,
// from the harness's admin: unlike one decoded from API Gateway's JSON it can
// carry strings that are not valid UTF-8.
func adminRequest(method, resource string) events.APIGatewayProxyRequest {
	req := events.APIGatewayProxyRequest{HTTPMethod: method, Resource: resource}
	req.RequestContext.RequestID = "req-1"
	req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{
		"sub": "sub-0001", "aud": testClient, "email": "admin@example.com", "cognito:groups": "admins", "token_use": "id"}}
	return req
}

// FuzzNormalizeEmail checks the email rules on any string: a refusal says
// why, and an accepted address is the input only trimmed and lower-cased,
// passes checkNormalized, and does not depend on surrounding whitespace.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"a@example.com", "  John.Doe+Tag@Example.COM\t", "o'brien@sub.example.co.uk", "x@xn--bcher-kva.example",
		"ÉLODIE@exemple.fr", "a@b-c.example", strings.Repeat("a", 242) + "@example.com", strings.Repeat("a", 243) + "@example.com",
		"", " ", "plain", "a@", "@example.com", "a@b@example.com", "a@example", "a@example.", "a@.example.com",
		"a@example..com", "a b@example.com", "\"a b\"@example.com", "\"a\"@example.com", "A <a@example.com>",
		"<a@example.com>", "a@example.com, b@example.com", "a@example.com (comment)", "a(comment)@example.com",
		"a@[192.0.2.1]", "a@exa_mple.com", "a\x00@example.com", "a..b@example.com", ".a@example.com", "a.@example.com",
		"a\xff@example.com", "a\u00a0@example.com", "a\u2028@example.com", "a@example.com\n", "\ufeffa@example.com",
		// Case mappings that change a rune's length or fold outside ASCII.
		"\u0130@example.com", "\u212a@example.com", "\u023a@example.com", "a@\u0130.example", "\u1e9e@example.com",
		"a@例え.jp", "=?utf-8?q?a?=@example.com", "a@example.com.", "a@-example.com", "a@b.c@d", "a%40b@example.com",
		"a\\@b@example.com", "a@example.com;", "a:b@example.com", "group: a@example.com;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			if got != "" || err.Error() == "" {
				t.Fatalf("NormalizeEmail(%q) = %q, %q: a refusal must give no address and say why", s, got, err)
			}
			return
		}
		checkNormalized(t, got)
		// Normalising only trims and lower-cases: it never rewrites an address into another.
		if want := strings.ToLower(strings.TrimSpace(s)); got != want {
			t.Fatalf("NormalizeEmail(%q) = %q, want %q", s, got, want)
		}
		if again, err := NormalizeEmail(" \t" + s + "\r\n"); err != nil || again != got {
			t.Fatalf("surrounding whitespace changed the answer for %q: %q, %v", s, again, err)
		}
	})
}

// createModel is a create body as an independent parser reads it: what
// decodeCreate must agree with whenever it accepts a body.
type createModel struct {
	email, password *string
	invite          bool
	groups          []string
}

// modelJSON reads a JSON body with encoding/json into a map, which keeps keys
// exactly as sent. Duplicates collapse to the last, which is fine: an accepted
// body has none.
func modelJSON(t *testing.T, raw []byte) createModel {
	t.Helper()
	if !json.Valid(raw) {
		t.Fatalf("accepted a body that is not JSON: %q", raw)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("accepted a body that is not a JSON object: %q", raw)
	}
	m := createModel{invite: true}
	for k, v := range fields {
		var err error
		switch k {
		case "email":
			err = json.Unmarshal(v, &m.email)
		case "temporaryPassword":
			err = json.Unmarshal(v, &m.password)
		case "sendInvitation":
			var b *bool
			if err = json.Unmarshal(v, &b); b != nil {
				m.invite = *b
			}
		case "groups":
			err = json.Unmarshal(v, &m.groups)
		default:
			t.Fatalf("accepted unknown field %q in %q", k, raw)
		}
		if err != nil {
			t.Fatalf("accepted field %s = %s: %v", k, v, err)
		}
	}
	return m
}

func modelForm(t *testing.T, raw []byte) createModel {
	t.Helper()
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		t.Fatalf("accepted a malformed form %q: %v", raw, err)
	}
	m := createModel{invite: true, groups: form["groups"]}
	for k, vs := range form {
		if k != "groups" && len(vs) != 1 {
			t.Fatalf("accepted repeated field %q in %q", k, raw)
		}
		switch k {
		case "email":
			m.email = &vs[0]
		case "temporaryPassword":
			m.password = &vs[0]
		case "sendInvitation":
			m.invite = vs[0] == "true"
			if vs[0] != "true" && vs[0] != "false" {
				t.Fatalf("accepted sendInvitation=%q", vs[0])
			}
		case "groups":
		default:
			t.Fatalf("accepted unknown field %q in %q", k, raw)
		}
	}
	return m
}

// FuzzDecodeCreate feeds arbitrary content types and bodies, base64-encoded
// or not, to the create decoder: it must never panic, refuse only with a 4xx,
// and accept only what an independent parser reads the same way.
func FuzzDecodeCreate(f *testing.F) {
	b64 := base64.StdEncoding.EncodeToString
	for _, seed := range []struct {
		ct, body string
		b64      bool
	}{
		{"application/json", `{"email":"a@example.com"}`, false},
		{"application/json; charset=utf-8", `{"email":" A@Example.COM ","temporaryPassword":"Kx9#mQ2!vLp7$wZ4","sendInvitation":false,"groups":["support","admins"]}`, false},
		{"Application/JSON; charset=UTF-8", `{"email":"a@example.com","groups":["b","a","b"],"sendInvitation":null,"temporaryPassword":null}`, false},
		{"application/json", `{"email":"a@example.com","email":"b@example.com"}`, false},
		{"application/json", `{"email":"a@example.com","Email":"b@example.com"}`, false},
		{"application/json", `{"\u0065mail":"a@example.com"}`, false},
		{"application/json", `{"email":"a@example.com"} {}`, false},
		{"application/json", `{"email":"a@example.com"}}`, false},
		{"application/json", `{"email":"a@example.com",}`, false},
		{"application/json", "\ufeff{\"email\":\"a@example.com\"}", false},
		{"application/json", `[{"email":"a@example.com"}]`, false},
		{"application/json", `{"email":"Bob <b@example.com>"}`, false},
		{"application/json", `{"email":"a@example.com","groups":[null]}`, false},
		{"application/json", `{"email":"a@example.com","groups":"support"}`, false},
		{"application/json", `{"email":"a@example.com","groups":[""]}`, false},
		{"application/json", `{"email":"a@example.com","groups":["` + strings.Repeat("g", 129) + `"]}`, false},
		{"application/json", `{"email":"a@example.com","groups":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u","v","w","x","y","z"]}`, false},
		{"application/json", `{"email":"a@example.com","sendInvitation":"false"}`, false},
		{"application/json", `{"email":"a@example.com","temporaryPassword":12345678}`, false},
		{"application/json", `{"email":"\u00e9@example.com"}`, false},
		{"application/json", `{"email":"a\ud800@example.com"}`, false},
		{"application/json", `{"email":["a@example.com"]}`, false},
		{"application/json", `{"email":null}`, false},
		{"application/json", `{"email":"a@example.com","x":` + strings.Repeat("[", 10001) + `}`, false},
		{"application/json", `{"email":"a@example.com","groups":["` + strings.Repeat("a", maxBody) + `"]}`, false},
		{"application/json", "{\"email\":\"a\xff@example.com\"}", false},
		{"application/json", "eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ==", true},
		{"application/json", "eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ", true},
		{"application/json", "not base64!", true},
		{"application/json", b64([]byte("{\"email\":\"a\xff@example.com\"}")), true},
		{"application/json", "", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&groups=a&groups=b&sendInvitation=true", false},
		{"application/x-www-form-urlencoded; charset=utf-8", "email=+A%40Example.com+&temporaryPassword=Kx9%23mQ2%21vLp7%24wZ4&sendInvitation=false", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&email=b%40example.com", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com;groups=a", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&sendInvitation=1", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&groups=", false},
		{"application/x-www-form-urlencoded", "email", false},
		{"application/x-www-form-urlencoded", "email=%zz", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&temporaryPassword=%E8Kx9%23mQ2%21vLp7", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&groups=%FF", false},
		{"application/x-www-form-urlencoded", "email=a%40example.com&%FF=x", false},
		{"application/x-www-form-urlencoded", b64([]byte("email=a%40example.com")), true},
		{"application/json; charset=latin1", `{"email":"a@example.com"}`, false},
		{"multipart/form-data; boundary=x", "--x\r\n", false},
		{"text/plain", "email=a@example.com", false},
		{"", "", false},
		{"application/json; charset", "{}", false},
		{"application/json;;", `{"email":"a@example.com"}`, false},
	} {
		f.Add(seed.ct, seed.body, seed.b64)
	}
	f.Fuzz(func(t *testing.T, ct, body string, isB64 bool) {
		req := events.APIGatewayProxyRequest{Headers: map[string]string{"Content-Type": ct}, Body: body, IsBase64Encoded: isB64}
		r, err := decodeCreate(req)
		if err != nil {
			checkAPIError(t, err)
			return
		}
		checkNormalized(t, r.email)

		raw := []byte(body)
		if isB64 {
			if raw, err = base64.StdEncoding.DecodeString(body); err != nil {
				t.Fatalf("accepted a body that is not base64: %q", body)
			}
		}
		if len(raw) == 0 || len(raw) > maxBody || !utf8.Valid(raw) {
			t.Fatalf("accepted a body of %d bytes, valid UTF-8 %t", len(raw), utf8.Valid(raw))
		}
		var m createModel
		switch media, _, _ := mime.ParseMediaType(ct); media {
		case "application/json":
			m = modelJSON(t, raw)
		case "application/x-www-form-urlencoded":
			m = modelForm(t, raw)
		default:
			t.Fatalf("accepted Content-Type %q", ct)
		}

		if m.email == nil {
			t.Fatalf("accepted a body without email: %q", raw)
		}
		if want, err := NormalizeEmail(*m.email); err != nil || r.email != want {
			t.Fatalf("email = %q, the body's is %q (%q, %v)", r.email, *m.email, want, err)
		}
		if !reflect.DeepEqual(r.temporaryPassword, m.password) {
			t.Fatalf("temporaryPassword = %v, the body's is %v", r.temporaryPassword, m.password)
		}
		if r.sendInvitation != m.invite {
			t.Fatalf("sendInvitation = %t, the body's is %t", r.sendInvitation, m.invite)
		}
		if want := slices.Compact(slices.Sorted(slices.Values(m.groups))); !slices.Equal(r.groups, want) {
			t.Fatalf("groups = %q, the body's are %q", r.groups, m.groups)
		}
		if len(m.groups) > maxGroups {
			t.Fatalf("accepted %d groups", len(m.groups))
		}
		for _, g := range r.groups {
			if g == "" || utf8.RuneCountInString(g) > maxGroupName {
				t.Fatalf("accepted group name %q", g)
			}
		}
		// Everything goes on to Cognito through the SDK, whose JSON encoder
		// replaces invalid UTF-8: a value must reach Cognito as the client sent it, or be refused.
		for _, s := range append(slices.Clone(r.groups), aws.ToString(r.temporaryPassword)) {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted %q, which is not valid UTF-8", s)
			}
		}
	})
}

// canary is part of every temporary password FuzzCreate sends. No other input
// holds it and no message of the API does, so finding it in a response or a
// log line means the password leaked. Its runes are outside ASCII: they have
// no case and count for no password class, so they add to the length only.
const canary = "\u00a4\u00a7\u00b6"

// FuzzCreate drives POST /users through Handle over the fake Cognito with
// JSON or form bodies built from fuzzed fields (sendInvitation raw, so it may
// break the body). The password must never come back, a create must hand
// Cognito exactly the normalised email and the password sent, and only managed groups.
func FuzzCreate(f *testing.F) {
	for _, s := range []struct {
		form, b64                               bool
		email, pwPrefix, pwSuffix, groups, send string
	}{
		{false, false, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "support", ""},
		{true, false, " New.User@Example.COM ", "Kx9#mQ2!", "vLp7$wZ4", "support,admins", "false"},
		{false, true, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "", "true"},
		{true, true, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "", "true"},
		{false, false, "Active@Example.com", "Kx9#mQ2!", "vLp7$wZ4", "", ""},
		{false, false, "new@example.com", "short", "", "", ""},
		{false, false, "new@example.com", " Kx9#mQ2!", "vLp7$wZ4 ", "", ""},
		{false, false, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "ghost", ""},
		{false, false, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "root", ""},
		{false, false, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "support,,support", "null"},
		{false, false, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "", "tru"},
		{true, false, "new@example.com", "Kx9#mQ2!", "vLp7$wZ4", "", "1"},
		{false, false, "Bob <b@example.com>", "Kx9#mQ2!", "vLp7$wZ4", "", ""},
		{false, false, "new@example.com", `"Kx9#mQ2!`, `\vLp7$wZ4&=%`, "", ""},
		{true, false, "new@example.com", "Kx9#mQ2!&email=x", "vLp7$wZ4", "", ""},
		// Found by the fuzzer: a percent-escaped invalid byte in a form password reached
		// Cognito, through an SDK that would have replaced it with U+FFFD.
		{true, true, "0@0.0", "\xe8", "0000 aA0", "", ""},
	} {
		f.Add(s.form, s.b64, s.email, s.pwPrefix, s.pwSuffix, s.groups, s.send)
	}
	f.Fuzz(func(t *testing.T, form, isB64 bool, email, pwPrefix, pwSuffix, groups, send string) {
		password := pwPrefix + canary + pwSuffix
		var groupList []string
		if groups != "" {
			groupList = strings.Split(groups, ",")
		}
		e := ev{method: "POST", resource: "/users", headers: map[string]string{}}
		if form {
			v := url.Values{"email": {email}, "temporaryPassword": {password}, "groups": groupList}
			if send != "" {
				v.Set("sendInvitation", send)
			}
			e.headers["Content-Type"], e.body = "application/x-www-form-urlencoded", v.Encode()
		} else {
			// Built by hand so that send goes in raw and can make the body invalid.
			q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
			body := `{"email":` + q(email) + `,"temporaryPassword":` + q(password)
			if groupList != nil {
				b, _ := json.Marshal(groupList)
				body += `,"groups":` + string(b)
			}
			if send != "" {
				body += `,"sendInvitation":` + send
			}
			e.headers["Content-Type"], e.body = "application/json", body+"}"
		}
		if isB64 {
			e.body, e.base64 = base64.StdEncoding.EncodeToString([]byte(e.body)), true
		}
		hs := newHarness(t)
		req := e.request(t)
		resp, err := hs.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		apiErr := checkAnswer(t, hs, resp)

		if !strings.Contains(email+groups+send, canary) {
			for k, v := range resp.Headers {
				if strings.Contains(v, canary) {
					t.Fatalf("header %s carries the temporary password: %q", k, v)
				}
			}
			if strings.Contains(resp.Body, canary) || strings.Contains(decodedStrings(resp.Body), canary) {
				t.Fatalf("the response carries the temporary password: %s", resp.Body)
			}
			if strings.Contains(hs.logs.String(), canary) {
				t.Fatalf("a log line carries the temporary password: %s", hs.logs)
			}
		}

		// What the body carries: JSON holds only valid UTF-8, so encoding it replaced any invalid bytes.
		sentEmail, sentPassword := email, password
		if !form {
			sentEmail, sentPassword = throughJSON(email), throughJSON(password)
		}
		created := ""
		for _, c := range hs.fake.recorded() {
			switch in := c.input.(type) {
			case *cip.AdminCreateUserInput:
				username := aws.ToString(in.Username)
				created = username
				checkNormalized(t, username)
				if want, err := NormalizeEmail(sentEmail); err != nil || username != want {
					t.Fatalf("created %q from email %q", username, sentEmail)
				}
				if got := aws.ToString(in.TemporaryPassword); got != sentPassword || !utf8.ValidString(got) {
					t.Fatalf("Cognito got temporary password %q, the client sent %q", got, sentPassword)
				}
				for _, a := range in.UserAttributes {
					if aws.ToString(a.Name) == "email" && aws.ToString(a.Value) != username {
						t.Fatalf("email attribute %q for user %q", aws.ToString(a.Value), username)
					}
				}
			case *cip.AdminAddUserToGroupInput:
				if g := aws.ToString(in.GroupName); !hs.h.settings.IsManagedGroup(g) {
					t.Fatalf("added to unmanaged group %q", g)
				}
			}
		}
		if created != "" && hs.h.settings.Password.Check(sentPassword) != nil {
			t.Fatalf("Cognito was called with a password the policy refuses")
		}
		if resp.StatusCode == http.StatusCreated {
			var b userBody
			decodeStrict(t, resp.Body, &b)
			if created == "" || b.User.Email != created {
				t.Fatalf("201 for %q, but Cognito created %q", b.User.Email, created)
			}
			if want := "/dev/users/" + url.PathEscape(b.User.Email); resp.Headers["Location"] != want {
				t.Fatalf("Location = %q, want %q", resp.Headers["Location"], want)
			}
		} else if apiErr.Error.Code == "InvalidPassword" && created != "" {
			t.Fatalf("InvalidPassword, but Cognito was asked to create %q", created)
		}
	})
}

// throughJSON is s as a JSON string carries it: encoding/json replaces each invalid byte with U+FFFD.
func throughJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// decodedStrings joins every string of a JSON document, escapes undone, so a
// secret hidden behind JSON escaping is found too.
func decodedStrings(body string) string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte(0)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				b.WriteString(k)
				b.WriteByte(0)
				walk(x)
			}
		}
	}
	walk(v)
	return b.String()
}
