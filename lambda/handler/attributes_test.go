package handler

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestRemoveMFA(t *testing.T) {
	for _, email := range []string{"active@example.com", "admin@example.com"} { // one's own too: nobody is locked out
		hs := newHarness(t)
		hs.fake.users[email].mfa = true
		if u := wantUser(t, hs.do(t, userEvent("GET", "/users/{email}", email)), http.StatusOK); u.MFAEnabled == nil || !*u.MFAEnabled {
			t.Fatalf("before: %+v", u)
		}
		u := wantUser(t, hs.do(t, userEvent("DELETE", "/users/{email}/mfa", email)), http.StatusOK)
		if u.MFAEnabled == nil || *u.MFAEnabled || hs.fake.users[email].mfa {
			t.Errorf("%s: after: %+v", email, u)
		}
		in := hs.fake.lastInput("AdminSetUserMFAPreference").(*cip.AdminSetUserMFAPreferenceInput)
		want := &cip.AdminSetUserMFAPreferenceInput{UserPoolId: aws.String(testPool), Username: aws.String(email),
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false, PreferredMfa: false}}
		if !reflect.DeepEqual(in, want) {
			t.Errorf("input = %+v", in)
		}
		audit := hs.logs.lines(t, "audit")
		if len(audit) != 1 || audit[0]["action"] != "mfa_remove" || audit[0]["target"] != email || audit[0]["outcome"] != "success" {
			t.Errorf("audit = %v", audit)
		}
	}
	// Idempotent, and an unknown user is a 404.
	hs := newHarness(t)
	if u := wantUser(t, hs.do(t, userEvent("DELETE", "/users/{email}/mfa", "pending@example.com")), http.StatusOK); u.MFAEnabled == nil || *u.MFAEnabled {
		t.Errorf("user without MFA: %+v", u)
	}
	wantError(t, hs.do(t, userEvent("DELETE", "/users/{email}/mfa", "nobody@example.com")), http.StatusNotFound, "UserNotFound")
}

func patchEvent(email, body string) ev {
	e := userEvent("PATCH", "/users/{email}", email)
	e.headers = map[string]string{"Content-Type": "application/json; charset=utf-8"}
	e.body = body
	return e
}

func TestUpdateUser(t *testing.T) {
	hs := newHarness(t)
	resp := hs.do(t, patchEvent("Active@Example.com", `{"attributes":{"level":"7","department":"Sales & Ops"},"familyName":"Lovelace","givenName":"Ada"}`))
	u := wantUser(t, resp, http.StatusOK)
	if u.GivenName != "Ada" || u.FamilyName != "Lovelace" || !reflect.DeepEqual(u.Attributes, map[string]string{"department": "Sales & Ops", "level": "7"}) {
		t.Errorf("user = %+v", u)
	}
	in := hs.fake.lastInput("AdminUpdateUserAttributes").(*cip.AdminUpdateUserAttributesInput)
	want := &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(testPool), Username: aws.String("active@example.com"), UserAttributes: []types.AttributeType{
		{Name: aws.String("family_name"), Value: aws.String("Lovelace")},
		{Name: aws.String("given_name"), Value: aws.String("Ada")},
		{Name: aws.String("custom:department"), Value: aws.String("Sales & Ops")},
		{Name: aws.String("custom:level"), Value: aws.String("7")},
	}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("input =\n%+v\nwant\n%+v", in, want)
	}
	if got := hs.fake.methods(); !reflect.DeepEqual(got, []string{"AdminGetUser", "AdminListGroupsForUser", "AdminUpdateUserAttributes"}) {
		t.Errorf("calls = %v", got)
	}
	audit := hs.logs.lines(t, "audit")
	if len(audit) != 1 || audit[0]["action"] != "update" || !reflect.DeepEqual(audit[0]["changed"], []any{"attributes.department", "attributes.level", "familyName", "givenName"}) {
		t.Errorf("audit = %v", audit)
	}
	if strings.Contains(hs.logs.String(), "Lovelace") {
		t.Errorf("a value is logged: %s", hs.logs)
	}

	// One field alone leaves the others as they are; one's own name may change.
	u = wantUser(t, hs.do(t, patchEvent("active@example.com", `{"givenName":"Augusta Ada"}`)), http.StatusOK)
	if u.GivenName != "Augusta Ada" || u.FamilyName != "Lovelace" || u.Attributes["level"] != "7" {
		t.Errorf("after a partial update: %+v", u)
	}
	wantUser(t, hs.do(t, patchEvent("admin@example.com", `{"familyName":"Admin"}`)), http.StatusOK)
}

func TestUpdateUserRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		headers    map[string]string
		status     int
		code       string
		message    []string
	}{
		{"empty", `{}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"changes nothing"}},
		{"empty attributes", `{"attributes":{}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"changes nothing"}},
		{"unknown fields", `{"email":"x@example.com","givenName":"Ada","nickname":"A"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{`"email", "nickname"`, "cannot be changed"}},
		{"a field in another case", `{"GivenName":"Ada"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{`"GivenName"`}},
		{"unknown attributes", `{"attributes":{"team":"a","department":"b","custom:level":"1"}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{`"custom:level", "team"`, `"department", "level"`}},
		{"attributes not an object", `{"attributes":["department"]}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"attributes must be an object"}},
		{"attribute repeated", `{"attributes":{"department":"a","department":"b"}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"repeated"}},
		{"field repeated", `{"givenName":"a","givenName":"b"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"repeated"}},
		{"attribute as a number", `{"attributes":{"level":5}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"attributes.level must be a string"}},
		{"attribute null", `{"attributes":{"department":null}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"cannot be removed"}},
		{"attribute too long", `{"attributes":{"department":"seventeen letters"}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"attributes.department must be 1 to 16"}},
		{"number out of bounds", `{"attributes":{"level":"11"}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"attributes.level must be at most 10"}},
		{"number not a number", `{"attributes":{"level":"7.5"}}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"whole number"}},
		{"empty name", `{"givenName":""}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"givenName must be 1 to 256"}},
		{"name too long", `{"familyName":"` + strings.Repeat("é", 257) + `"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"familyName must be 1 to 256"}},
		{"name null", `{"givenName":null}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"cannot be removed"}},
		{"name not a string", `{"givenName":7}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"givenName must be a string"}},
		{"name with a newline", `{"givenName":"Ada\nDROP"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"control"}},
		{"name with a bidi override", `{"givenName":"Ada\u202e"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"invisible"}},
		{"name with a lone surrogate", `{"givenName":"Ada\ud800"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"not valid text"}},
		{"name with spaces around", `{"givenName":" Ada"}`, nil, http.StatusBadRequest, "InvalidRequest", []string{"whitespace"}},
		{"not an object", `"Ada"`, nil, http.StatusBadRequest, "InvalidRequest", []string{"JSON object"}},
		{"invalid UTF-8", "{\"givenName\":\"\xff\"}", nil, http.StatusBadRequest, "InvalidRequest", []string{"UTF-8"}},
		{"a form", `givenName=Ada`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, "UnsupportedMediaType", []string{"application/json"}},
		{"too large", `{"givenName":"` + strings.Repeat("a", maxBody) + `"}`, nil, http.StatusRequestEntityTooLarge, "PayloadTooLarge", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			e := patchEvent("active@example.com", tc.body)
			if tc.headers != nil {
				e.headers = tc.headers
			}
			if !utf8.ValidString(tc.body) {
				// As API Gateway passes bytes that are not text.
				e.body, e.base64 = base64.StdEncoding.EncodeToString([]byte(tc.body)), true
			}
			got := wantError(t, hs.do(t, e), tc.status, tc.code)
			for _, m := range tc.message {
				if !strings.Contains(got.Error.Message, m) {
					t.Errorf("message %q does not say %q", got.Error.Message, m)
				}
			}
			if calls := hs.fake.methods(); len(calls) != 0 {
				t.Errorf("Cognito was called: %v", calls)
			}
		})
	}
}

func TestUpdateUserCognitoErrors(t *testing.T) {
	hs := newHarness(t)
	wantError(t, hs.do(t, patchEvent("nobody@example.com", `{"givenName":"Ada"}`)), http.StatusNotFound, "UserNotFound")
	// Settings that declare an attribute the pool lacks: Cognito's refusal is the client's 400, not a 502.
	hs.fake.schema = map[string]bool{}
	wantError(t, hs.do(t, patchEvent("active@example.com", `{"attributes":{"department":"Ops"}}`)), http.StatusBadRequest, "InvalidRequest")
	if _, ok := hs.fake.users["active@example.com"].profile["custom:department"]; ok {
		t.Error("the attribute was set")
	}
}
