package infra

import (
	"strings"
	"testing"
)

// wafRequest is what the body-size rule looks at.
type wafRequest struct {
	method, path string
	body         int // bytes
}

// evalWAF evaluates a WAF statement from the template on r: the statement
// kinds the body-size rule uses, each as WAF's documentation defines it
// (text transformation NONE only). Any other kind fails the test.
func evalWAF(t *testing.T, stmt map[string]any, r wafRequest) bool {
	t.Helper()
	for kind, v := range stmt {
		s := v.(map[string]any)
		switch kind {
		case "AndStatement":
			for _, sub := range s["Statements"].([]any) {
				if !evalWAF(t, sub.(map[string]any), r) {
					return false
				}
			}
			return true
		case "OrStatement":
			for _, sub := range s["Statements"].([]any) {
				if evalWAF(t, sub.(map[string]any), r) {
					return true
				}
			}
			return false
		case "NotStatement":
			return !evalWAF(t, s["Statement"].(map[string]any), r)
		case "SizeConstraintStatement":
			field := s["FieldToMatch"].(map[string]any)
			body, ok := field["Body"].(map[string]any)
			if !ok || s["ComparisonOperator"] != "GT" {
				t.Fatalf("size constraint %v: only Body GT is evaluated here", s)
			}
			// WAF inspects the first 8 KB of an API Gateway body; past that, OversizeHandling decides.
			if r.body > 8192 && body["OversizeHandling"] != "MATCH" {
				t.Fatalf("oversize handling %v: a body past what WAF inspects would slip through", body["OversizeHandling"])
			}
			return float64(r.body) > s["Size"].(float64)
		case "ByteMatchStatement":
			field := s["FieldToMatch"].(map[string]any)
			var value string
			switch {
			case field["UriPath"] != nil:
				value = r.path
			case field["Method"] != nil:
				value = r.method
			default:
				t.Fatalf("byte match on %v", field)
			}
			want := s["SearchString"].(string)
			switch s["PositionalConstraint"] {
			case "EXACTLY":
				return value == want
			case "ENDS_WITH":
				return strings.HasSuffix(value, want)
			case "STARTS_WITH":
				return strings.HasPrefix(value, want)
			}
			t.Fatalf("positional constraint %v", s["PositionalConstraint"])
		default:
			t.Fatalf("statement %s is not evaluated here", kind)
		}
	}
	t.Fatalf("empty statement")
	return false
}

// TestWebACLBodySize: the common rule set's 8 KB body limit only counts,
// and a rule of ours blocks bodies over 8 KB on every request but POST
// /imports/preview (whose Lambda caps the CSV at 1 MiB), as WAF sees the
// path: behind the stage.
func TestWebACLBodySize(t *testing.T) {
	for _, env := range []string{"stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			_, acl := only(t, envTemplate(t, env), "AWS::WAFv2::WebACL")
			var rule map[string]any
			for _, r := range props(acl)["Rules"].([]any) {
				if r := r.(map[string]any); r["Name"] == "BodySizeExceptImportPreview" {
					rule = r
				}
			}
			if rule == nil {
				t.Fatal("no BodySizeExceptImportPreview rule")
			}
			// The managed rule would block the preview's bodies: it counts only.
			if !strings.Contains(mustMarshal(t, props(acl)["Rules"]), `{"ActionToUse":{"Count":{}},"Name":"SizeRestrictions_BODY"}`) {
				t.Error("the common rule set's SizeRestrictions_BODY is not overridden to Count")
			}
			if !equalJSON(rule["Action"], map[string]any{"Block": map[string]any{}}) {
				t.Errorf("action = %v, want Block", rule["Action"])
			}
			stmt := rule["Statement"].(map[string]any)
			stage := "/" + env
			for _, tc := range []struct {
				r       wafRequest
				blocked bool
			}{
				{wafRequest{"POST", stage + "/imports/preview", 1 << 20}, false},
				{wafRequest{"POST", stage + "/imports/preview", 9000}, false},
				{wafRequest{"POST", stage + "/users", 8192}, false},
				{wafRequest{"POST", stage + "/users", 8193}, true},
				{wafRequest{"PATCH", stage + "/users/a%40example.com", 20000}, true},
				{wafRequest{"POST", stage + "/users/a%40example.com/password", 9000}, true},
				{wafRequest{"PUT", stage + "/imports/preview", 9000}, true},
				{wafRequest{"GET", stage + "/imports/preview", 9000}, true},
				{wafRequest{"POST", stage + "/imports/preview/", 9000}, true},
				{wafRequest{"POST", stage + "/imports/preview%2F", 9000}, true},
				{wafRequest{"POST", stage + "/IMPORTS/PREVIEW", 9000}, true},
				{wafRequest{"POST", stage + "/imports/preview", 100}, false},
			} {
				if got := evalWAF(t, stmt, tc.r); got != tc.blocked {
					t.Errorf("%s %s with %d bytes: blocked %v, want %v", tc.r.method, tc.r.path, tc.r.body, got, tc.blocked)
				}
			}
		})
	}
}

// TestWebACLBodySizeSCIM: with SCIM on, a group pushed with all its
// members (over 8 KB) passes on /scim/v2/Groups of the stage, and
// nowhere else.
func TestWebACLBodySizeSCIM(t *testing.T) {
	c, _ := Environment("prd")
	tpl := synth(t, withSCIM(c, SCIMBearer))
	var stmt map[string]any
	for _, acl := range resources(tpl, "AWS::WAFv2::WebACL") {
		for _, r := range props(acl)["Rules"].([]any) {
			if r := r.(map[string]any); r["Name"] == "BodySizeExceptImportPreview" {
				stmt = r["Statement"].(map[string]any)
			}
		}
	}
	if stmt == nil {
		t.Fatal("no BodySizeExceptImportPreview rule")
	}
	for _, tc := range []struct {
		r       wafRequest
		blocked bool
	}{
		{wafRequest{"PUT", "/prd/scim/v2/Groups/tenant-a", 40000}, false},
		{wafRequest{"PATCH", "/prd/scim/v2/Groups/tenant-a", 9000}, false},
		{wafRequest{"POST", "/prd/scim/v2/Groups", 9000}, false},
		{wafRequest{"POST", "/prd/scim/v2/Users", 9000}, true},
		{wafRequest{"PUT", "/prd/users/scim/v2/Groups", 9000}, true},
		{wafRequest{"PUT", "/stg/scim/v2/Groups/x", 9000}, true},
		{wafRequest{"POST", "/prd/imports/preview", 9000}, false},
		{wafRequest{"POST", "/prd/users", 9000}, true},
		{wafRequest{"POST", "/prd/scim/v2/Users", 2000}, false},
	} {
		if got := evalWAF(t, stmt, tc.r); got != tc.blocked {
			t.Errorf("%s %s with %d bytes: blocked %v, want %v", tc.r.method, tc.r.path, tc.r.body, got, tc.blocked)
		}
	}
}
