package handler

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// userRoutes are the route keys with an {email} path parameter, sorted, so a
// fuzzed byte picks the same route on every run.
var userRoutes = slices.DeleteFunc(Routes(), func(r string) bool { return !strings.Contains(r, "{email}") })

// targetOf returns the username and group a Cognito call names; group is nil for calls without one.
func targetOf(in any) (username string, group *string) {
	switch in := in.(type) {
	case *cip.AdminGetUserInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminCreateUserInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminDisableUserInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminEnableUserInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminDeleteUserInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminAddUserToGroupInput:
		return aws.ToString(in.Username), in.GroupName
	case *cip.AdminRemoveUserFromGroupInput:
		return aws.ToString(in.Username), in.GroupName
	case *cip.AdminUserGlobalSignOutInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminResetUserPasswordInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminSetUserPasswordInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminSetUserMFAPreferenceInput:
		return aws.ToString(in.Username), nil
	case *cip.AdminUpdateUserAttributesInput:
		return aws.ToString(in.Username), nil
	}
	// A new call the handler makes on a user must be added here, so the fuzzers check it too.
	panic(fmt.Sprintf("targetOf: no case for %T", in))
}

// FuzzPathParams drives every route on one user through Handle with fuzzed
// {email} and {group} path parameters, either decoded from API Gateway's JSON
// event or built in Go as the local gateway does (where they may be invalid
// UTF-8). A REST API passes them percent-encoded, so pathParam decodes them
// exactly once; the target must be that decoding, never a second one.
func FuzzPathParams(f *testing.F) {
	for _, s := range []struct {
		route        uint8
		email, group string
		viaJSON      bool
	}{
		{0, "active@example.com", "support", true},
		{1, " Active@Example.COM ", "support", true},
		{2, "active%40example.com", "sup%70ort", true},
		{3, "active%2540example.com", "support%00", false},
		{4, "100%real@example.com", "%", true},
		{5, "%41ctive@example.com", "%zz", false},
		{6, "admin@example.com", "admins", true},
		{7, "pending@example.com", "ghost", true},
		{0, "nobody@example.com", "readonly", false},
		{1, "Bob <bob@example.com>", "Support", true},
		{2, "a@example.com,b@example.com", "", true},
		{3, "a%2Cb%40example.com", "admins ", false},
		{4, "", "support", true},
		{5, "a\x00@example.com", "sup\xffport", false},
		{6, "a%FF@example.com", "%FF", false},
		{7, "active@example.com/../x", "support/../admins", true},
		{0, "active@example.com%20", "support", false},
		{1, "%20active@example.com", "%73upport", true},
		// A bare % is a malformed escape: InvalidEmail, before any call (found by this fuzzer).
		{byte('p'), "%", "0", true},
		// Decoded once, this is a%41@example.com; decoded twice it would be aa@example.com.
		{2, "a%2541%40example.com", "support", true},
	} {
		f.Add(s.route, s.email, s.group, s.viaJSON)
	}
	f.Fuzz(func(t *testing.T, route uint8, email, group string, viaJSON bool) {
		key := userRoutes[int(route)%len(userRoutes)]
		method, resource, _ := strings.Cut(key, " ")
		params := map[string]string{"email": email}
		grouped := strings.Contains(resource, "{group}")
		if grouped {
			params["group"] = group
		}
		hs := newHarness(t)
		req := adminRequest(method, resource)
		req.PathParameters = params
		if viaJSON {
			req = ev{method: method, resource: resource, params: params}.request(t)
		}
		resp, err := hs.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		apiErr := checkAnswer(t, hs, resp)
		// A path with an empty or dot segment is no route (see cleanPath), before any call.
		if !cleanPath(req.Path) {
			if resp.StatusCode != http.StatusNotFound || apiErr.Error.Code != "NotFound" || len(hs.fake.recorded()) != 0 {
				t.Fatalf("%s at %s answered %d %s after %d calls, want NotFound before any", key, req.Path, resp.StatusCode, resp.Body, len(hs.fake.recorded()))
			}
			return
		}

		// A REST API passes the value percent-encoded: the target must be it
		// decoded exactly once, normalised; never the raw or a twice-decoded form.
		seen := req.PathParameters["email"]
		var want []string
		if d, err := url.PathUnescape(seen); err == nil {
			if e, err := NormalizeEmail(d); err == nil {
				want = append(want, e)
			}
		}
		if len(want) == 0 && apiErr.Error.Code != "InvalidEmail" {
			t.Fatalf("%s with email %q answered %d %s, want InvalidEmail", key, seen, resp.StatusCode, resp.Body)
		}
		calls := hs.fake.recorded()
		if len(calls) > 0 && (apiErr.Error.Code == "InvalidEmail" || apiErr.Error.Code == "GroupNotManaged") {
			t.Fatalf("%s refused with %s after calling Cognito: %v", key, apiErr.Error.Code, calls)
		}
		for _, c := range calls {
			if c.method == "AdminListGroupsForUser" {
				continue // by the username Cognito resolved, not the path's
			}
			username, g := targetOf(c.input)
			checkNormalized(t, username)
			if !slices.Contains(want, username) {
				t.Fatalf("%s called %s for %q; the path's email %q normalises to %q", key, c.method, username, seen, want)
			}
			if g != nil && !hs.h.settings.IsManagedGroup(*g) {
				t.Fatalf("%s called %s on unmanaged group %q", key, c.method, *g)
			}
		}
		if grouped && resp.StatusCode < 300 && !hs.h.settings.IsManagedGroup(unescaped(req.PathParameters["group"])) {
			t.Fatalf("%s with group %q succeeded", key, req.PathParameters["group"])
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			u := wantUser(t, resp, http.StatusOK)
			if !slices.Contains(want, u.Email) {
				t.Fatalf("%s answered user %q for path email %q", key, u.Email, seen)
			}
		case resp.StatusCode == http.StatusNoContent:
			if resp.Body != "" {
				t.Fatalf("204 with a body: %q", resp.Body)
			}
		case resp.StatusCode < 400:
			t.Fatalf("%s answered %d", key, resp.StatusCode)
		}
	})
}

// unescaped is v percent-decoded once, or v when that fails.
// unescaped decodes a path parameter once, or returns it as is when it cannot be.
func unescaped(v string) string {
	if d, err := url.PathUnescape(v); err == nil {
		return d
	}
	return v
}

// FuzzDecodeToken checks the nextToken wrapper: only the exact tokens
// encodeToken issues for the pool are accepted, any other string is
// InvalidNextToken, and issued tokens always come back as they went out.
// Besides a raw token, it decodes the base64url of fuzzed JSON text, which
// lets the fuzzer reach the JSON decoding behind the base64.
func FuzzDecodeToken(f *testing.F) {
	wrapped := func(pool, t string) string { return `{"p":"` + pool + `","t":"` + t + `"}` }
	for _, s := range []struct{ pool, inner, json, token string }{
		{testPool, "page:1", wrapped(testPool, "page:1"), encodeToken(testPool, "page:1")},
		{testPool, "CAISlQIIARKuAggDEqgCAB+3", wrapped("eu-west-1_Other", "page:1"), encodeToken("eu-west-1_Other", "page:1")},
		{testPool, `"quoted" \ and ünïcode`, wrapped(testPool, ""), encodeToken(testPool, "")},
		{testPool, "page:1", `{"t":"page:1","p":"` + testPool + `"}`, encodeToken(testPool, "page:1") + "x"},
		{testPool, "page:1", `{"p":"` + testPool + `","t":"page:1","x":1}`, encodeToken(testPool, "page:1") + "=="},
		{testPool, "<&>", `{"p":"` + testPool + `","t":"\u003c\u0026\u003e"}`, "!!!"},
		{"", "x", `{"p":"","t":"x"}`, ""},
		{testPool, "x", "{}", "e30"},
		{testPool, "x", "null", "bnVsbA"},
		{testPool, "x", wrapped(testPool, "page:1") + "}", encodeToken(testPool, "page:1") + "A"},
		// Found by the fuzzer: invalid UTF-8 inside the JSON string was accepted as U+FFFD,
		// so Cognito would have got another token than the one sent.
		{testPool, "0", "0", "eyJwIjoiZXUtd2VzdC0xX1Rlc3RQb29sMSIsInQiOiJ0000ifX"},
	} {
		f.Add(s.pool, s.inner, s.json, s.token)
	}
	f.Fuzz(func(t *testing.T, pool, inner, jsonText, token string) {
		for _, tok := range []string{token, base64.RawURLEncoding.EncodeToString([]byte(jsonText))} {
			if got, err := decodeToken(pool, tok); err != nil {
				if ae := checkAPIError(t, err); ae.status != http.StatusBadRequest || ae.code != "InvalidNextToken" {
					t.Fatalf("decodeToken refused %q with %v", tok, err)
				}
			} else if got == "" || encodeToken(pool, got) != tok {
				t.Fatalf("decodeToken(%q, %q) = %q, from a token this API never issued", pool, tok, got)
			}
		}

		issued := encodeToken(pool, inner)
		if strings.ContainsAny(issued, "=+/") {
			t.Fatalf("token %q is not unpadded base64url", issued)
		}
		// Cognito's tokens and pool ids are valid UTF-8; JSON could not carry anything else intact.
		if inner == "" || !utf8.ValidString(inner) || !utf8.ValidString(pool) {
			return
		}
		if got, err := decodeToken(pool, issued); err != nil || got != inner {
			t.Fatalf("token for %q came back as %q, %v", inner, got, err)
		}
		if _, err := decodeToken(pool+"x", issued); err == nil {
			t.Fatalf("a token for pool %q was accepted for pool %q", pool, pool+"x")
		}
	})
}

// FuzzListQuery drives GET /users through Handle with a fuzzed nextToken
// (raw, or wrapped for this or another pool around a fuzzed Cognito token),
// limit, and one more parameter of any name and value.
func FuzzListQuery(f *testing.F) {
	for _, s := range []struct {
		token             string
		raw, otherPool    bool
		limit, key, value string
		viaJSON           bool
	}{
		{"page:1", false, false, "2", "", "", true},
		{"page:2", false, false, "", "status", "CONFIRMED", true},
		{"page:1", false, true, "1", "", "", true},
		{"page:9", false, false, "60", "", "", true},
		{"page:-1", false, false, "", "", "", false},
		{"page:x", false, false, "", "", "", true},
		{"", false, false, "", "", "", true},
		{"", true, false, "0", "", "", true},
		{"!!!", true, false, "61", "", "", true},
		{encodeToken(testPool, "page:1") + "x", true, false, "+5", "", "", false},
		{"", true, false, "1", "limit", "2", false},
		{"", true, false, " 5", "email", " ACT ", true},
		{"", true, false, "", "email", `a" or email ^= "`, true},
		{"", true, false, "", "email", "a\\", false},
		{"", true, false, "", "email", "\x7f", false},
		// A percent-escaped byte the local gateway decodes: lower-casing would
		// quietly turn it into U+FFFD were it not refused first.
		{"", true, false, "", "email", "act\xff", false},
		// C1 controls too: the message promises no control characters, not only ASCII ones.
		{"", true, false, "", "email", "ac\u0085t", true},
		{"page:1", false, false, "", "nextToken", "x", true},
		{"", true, false, "", "status", "confirmed", true},
		{"", true, false, "", "Limit", "5", true},
		{"", true, false, "99999999999999999999", "", "", true},
		{"", true, false, "", "email", strings.Repeat("a", 128), true},
		{"", true, false, "", "email", strings.Repeat("\U0001d49c", 65), true},
		{"", true, false, "60", "groups", "true", true},
		{"", true, false, "61", "groups", "true", false},
		{"", true, false, "600", "groups", "false", true},
		{"", true, false, "", "groups", "TRUE", false},
	} {
		f.Add(s.token, s.raw, s.otherPool, s.limit, s.key, s.value, s.viaJSON)
	}
	f.Fuzz(func(t *testing.T, token string, raw, otherPool bool, limit, key, value string, viaJSON bool) {
		query := url.Values{}
		switch {
		case !raw:
			pool := testPool
			if otherPool {
				pool = "eu-west-1_Other"
			}
			query.Add("nextToken", encodeToken(pool, token))
		case token != "":
			query.Add("nextToken", token)
		}
		if limit != "" {
			query.Add("limit", limit)
		}
		if key != "" {
			query.Add(key, value)
		}
		hs := newHarness(t)
		req := adminRequest("GET", "/users")
		req.MultiValueQueryStringParameters = query
		if viaJSON {
			req = listEvent(query).request(t)
		}
		resp, err := hs.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		checkAnswer(t, hs, resp)

		seen := req.MultiValueQueryStringParameters
		for k, vs := range seen {
			for _, v := range vs {
				if !utf8.ValidString(k+v) && resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("query %q=%q is not valid UTF-8, yet answered %d", k, v, resp.StatusCode)
				}
			}
		}
		calls := hs.fake.recorded()
		if len(calls) == 0 || calls[0].method != "ListUsers" {
			if resp.StatusCode < 400 {
				t.Fatalf("answered %d without reading the pool", resp.StatusCode)
			}
			return
		}
		in := calls[0].input.(*cip.ListUsersInput)
		withGroups := slices.Equal(seen["groups"], []string{"true"})
		if vs, ok := seen["groups"]; ok && !withGroups && !slices.Equal(vs, []string{"false"}) {
			t.Fatalf("listed with groups %q", vs)
		}
		wantLimit := int32(25)
		if vs, ok := seen["limit"]; ok {
			n, err := strconv.Atoi(vs[0])
			if err != nil || n < 1 || n > 600 || (withGroups && n > 60) || len(vs) != 1 {
				t.Fatalf("listed with limit %q (groups %v)", vs, withGroups)
			}
			wantLimit = int32(n)
		}
		// One Cognito page holds at most 60: a larger page is read in several.
		if aws.ToInt32(in.Limit) != min(wantLimit, 60) || aws.ToString(in.UserPoolId) != testPool {
			t.Fatalf("ListUsers limit %d pool %q, want %d %q", aws.ToInt32(in.Limit), aws.ToString(in.UserPoolId), min(wantLimit, 60), testPool)
		}
		if vs, ok := seen["nextToken"]; ok {
			want, err := decodeToken(testPool, vs[0])
			if err != nil || aws.ToString(in.PaginationToken) != want {
				t.Fatalf("nextToken %q reached Cognito as %q", vs[0], aws.ToString(in.PaginationToken))
			}
		} else if in.PaginationToken != nil {
			t.Fatalf("Cognito got a token nobody sent: %q", aws.ToString(in.PaginationToken))
		}
		if f := aws.ToString(in.Filter); f != "" {
			prefix, ok := strings.CutPrefix(f, `email ^= "`)
			if !ok {
				prefix, ok = strings.CutPrefix(f, `cognito:user_status = "`)
			}
			inner, closed := strings.CutSuffix(prefix, `"`)
			if !ok || !closed || strings.ContainsAny(inner, "\"\\") || !utf8.ValidString(f) || strings.IndexFunc(f, unicode.IsControl) >= 0 {
				t.Fatalf("filter %q is not one quoted value", f)
			}
			if n := len(utf16.Encode([]rune(f))); n > 256 {
				t.Fatalf("filter %q is %d characters, over ListUsers' 256", f, n)
			}
		}
		if resp.StatusCode != http.StatusOK {
			return
		}
		var body listResponse
		decodeStrict(t, resp.Body, &body)
		if len(body.Users) > int(wantLimit) {
			t.Fatalf("%d users for limit %d", len(body.Users), wantLimit)
		}
		for _, u := range body.Users {
			checkNormalized(t, u.Email)
			if withGroups != (u.Groups != nil) {
				t.Fatalf("user %q: groups %v, asked for groups: %v", u.Email, u.Groups, withGroups)
			}
		}
		if body.NextToken != "" {
			if _, err := decodeToken(testPool, body.NextToken); err != nil {
				t.Fatalf("answered nextToken %q, which the API itself refuses", body.NextToken)
			}
		}
	})
}
