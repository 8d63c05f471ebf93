package handler

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// FuzzDecodeUpdate feeds PATCH bodies to the decoder shared by the password
// and PATCH routes (jsonObject, objectFields) and PATCH's own rules: never a
// panic; every refusal a 4xx API error; every accepted body one that names
// at least one change, only attributes the settings declare, each value
// passing its rules and holding exactly what the body's JSON said.
func FuzzDecodeUpdate(f *testing.F) {
	for _, s := range []string{
		`{"givenName":"Ada","familyName":"Lovelace","attributes":{"department":"R&D","level":"3"}}`,
		`{}`, `{"attributes":{}}`, `{"email":"a@b.c"}`, `{"attributes":{"team":"x"}}`,
		`{"givenName":"a","givenName":"b"}`, `{"attributes":{"level":"01"}}`, `{"givenName":"\ud800"}`,
		`{"givenName":" x"}`, `[]`, `{"attributes":null}`, `{"givenName":"Ada"} `, `{"givenName":"Ada"}x`,
		`{"attributes":{"department":"` + strings.Repeat("é", 16) + `"}}`,
	} {
		f.Add(s)
	}
	declared := testSettings().CustomAttributes
	f.Fuzz(func(t *testing.T, body string) {
		req := adminRequest("PATCH", "/users/{email}")
		req.Headers = map[string]string{"Content-Type": "application/json"}
		req.Body = body
		attrs, changed, err := decodeUpdate(req, declared)
		if err != nil {
			checkAPIError(t, err)
			return
		}
		if len(attrs) == 0 || len(attrs) != len(changed) {
			t.Fatalf("%q accepted as %d attributes, %d changes", body, len(attrs), len(changed))
		}
		var sent struct {
			GivenName  *string           `json:"givenName"`
			FamilyName *string           `json:"familyName"`
			Attributes map[string]string `json:"attributes"`
		}
		if err := json.Unmarshal([]byte(body), &sent); err != nil {
			t.Fatalf("%q accepted but is not a PATCH body: %v", body, err)
		}
		for _, a := range attrs {
			name, v := aws.ToString(a.Name), aws.ToString(a.Value)
			var want *string
			switch {
			case name == "given_name":
				want = sent.GivenName
			case name == "family_name":
				want = sent.FamilyName
			case strings.HasPrefix(name, "custom:"):
				short := strings.TrimPrefix(name, "custom:")
				i := slices.IndexFunc(declared, func(d settings.CustomAttribute) bool { return d.Name == short })
				if i < 0 {
					t.Fatalf("%q set undeclared %s", body, name)
				}
				if err := declared[i].Check(v); err != nil {
					t.Fatalf("%q set %s to a value its rules refuse: %v", body, name, err)
				}
				if s, ok := sent.Attributes[short]; ok {
					want = &s
				}
			default:
				t.Fatalf("%q set %s", body, name)
			}
			if want == nil || *want != v || !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError) {
				t.Fatalf("%q set %s to %q", body, name, v)
			}
		}
	})
}
