package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const base = "https://api.example.com/dev/scim/v2"

type answer struct {
	status  int
	headers map[string]string
	body    map[string]any
	raw     string
}

func serve(t *testing.T, ops Operations, method, target, body string) answer {
	t.Helper()
	path, rawQuery, _ := strings.Cut(target, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Ops: ops, BaseURL: base}
	resp := s.Serve(context.Background(), Request{Method: method, Path: path, Query: q, Body: []byte(body), ContentType: ContentType})
	a := answer{status: resp.Status, headers: resp.Headers, raw: string(resp.Body)}
	if len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, &a.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %s", method, target, resp.Body)
		}
	}
	if got := resp.Headers["Content-Type"]; got != ContentType {
		t.Errorf("%s %s: Content-Type %q, want %q", method, target, got, ContentType)
	}
	return a
}

// wantError holds an answer to RFC 7644 §3.12's error shape.
func wantError(t *testing.T, a answer, status int, scimType string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	if !reflect.DeepEqual(a.body["schemas"], []any{SchemaError}) || a.body["status"] != itoa(status) {
		t.Fatalf("not SCIM's error shape (schemas [Error], status a string): %s", a.raw)
	}
	if got, _ := a.body["scimType"].(string); got != scimType {
		t.Fatalf("scimType %q, want %q: %s", got, scimType, a.raw)
	}
	if d, _ := a.body["detail"].(string); d == "" {
		t.Fatalf("no detail: %s", a.raw)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func userNames(a answer) []string {
	var out []string
	for _, r := range a.body["Resources"].([]any) {
		out = append(out, r.(map[string]any)["userName"].(string))
	}
	return out
}

func TestUserFilters(t *testing.T) {
	ops := newFakeOps()
	ann := ops.seed("ann@example.com", true)
	ann.ExternalID = "00u1ann"
	ops.seed("bob@example.com", true).ExternalID = "00u2bob"
	for _, tc := range []struct {
		filter string
		want   []string
		query  UserQuery
	}{
		// Okta's connection test and lookup, and Entra ID's matching query.
		{`userName eq "ann@example.com"`, []string{"ann@example.com"}, UserQuery{UserName: "ann@example.com"}},
		// userName is case-insensitive, as is the attribute's name.
		{`USERNAME Eq "Ann@Example.COM"`, []string{"ann@example.com"}, UserQuery{UserName: "Ann@Example.COM"}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"`, []string{"bob@example.com"}, UserQuery{UserName: "bob@example.com"}},
		{`externalId eq "00u2bob"`, []string{"bob@example.com"}, UserQuery{ExternalID: "00u2bob"}},
		// externalId is case-exact.
		{`externalId eq "00U2BOB"`, nil, UserQuery{ExternalID: "00U2BOB"}},
		{`id eq "` + ann.ID + `"`, []string{"ann@example.com"}, UserQuery{ID: ann.ID}},
		// Entra ID's form, outside RFC 7644's grammar, and the grammar's own.
		{`emails[type eq "work"].value eq "bob@example.com"`, []string{"bob@example.com"}, UserQuery{UserName: "bob@example.com"}},
		{`emails[type eq "work" and value eq "bob@example.com"]`, []string{"bob@example.com"}, UserQuery{UserName: "bob@example.com"}},
		{`emails[type eq "home"].value eq "bob@example.com"`, nil, UserQuery{UserName: "bob@example.com"}},
		// and: the pool is asked by the email, the rest is filtered here.
		{`externalId eq "00u1ann" and userName eq "ann@example.com"`, []string{"ann@example.com"}, UserQuery{UserName: "ann@example.com"}},
		{`externalId eq "00u2bob" and userName eq "ann@example.com"`, nil, UserQuery{UserName: "ann@example.com"}},
		{`userName eq "nobody@example.com"`, nil, UserQuery{UserName: "nobody@example.com"}},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			ops.queries = nil
			a := serve(t, ops, "GET", "/Users?filter="+url.QueryEscape(tc.filter), "")
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
			if got := userNames(a); !slices.Equal(got, tc.want) {
				t.Fatalf("users %v, want %v", got, tc.want)
			}
			if a.body["totalResults"] != float64(len(tc.want)) {
				t.Fatalf("totalResults %v, want %d", a.body["totalResults"], len(tc.want))
			}
			if !slices.Equal(ops.queries, []UserQuery{tc.query}) {
				t.Fatalf("queries %+v, want %+v", ops.queries, tc.query)
			}
		})
	}
}

func TestUserFilterRefusals(t *testing.T) {
	ops := newFakeOps()
	ops.seed("ann@example.com", true)
	for _, f := range []string{
		`userName sw "ann"`,
		`userName co "example"`,
		`userName ne "ann@example.com"`,
		`userName pr`,
		`userName eq "a@example.com" or userName eq "b@example.com"`,
		`not (userName eq "ann@example.com")`,
		`displayName eq "Ann"`,
		`name.givenName eq "Ann"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"`,
		`active eq true`,
		`emails[primary eq true]`,
		`userName eq`,
		`userName eq "unterminated`,
	} {
		t.Run(f, func(t *testing.T) {
			a := serve(t, ops, "GET", "/Users?filter="+url.QueryEscape(f), "")
			wantError(t, a, 400, TypeInvalidFilter)
			if len(ops.queries) != 0 {
				t.Fatalf("the pool was read for a refused filter: %+v", ops.queries)
			}
		})
	}
}

func TestGroupFilters(t *testing.T) {
	ops := newFakeOps("engineering", "sales")
	for filter, want := range map[string][]string{
		`displayName eq "sales"`:                   {"sales"},
		`displayName eq "Sales"`:                   {"sales"}, // displayName is case-insensitive
		`id eq "Sales"`:                            nil,       // ids are exact
		`displayName eq "sales" and id eq "sales"`: {"sales"},
		`displayName eq "marketing"`:               nil,
	} {
		a := serve(t, ops, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(filter), "")
		var got []string
		for _, r := range a.body["Resources"].([]any) {
			got = append(got, r.(map[string]any)["displayName"].(string))
			if _, ok := r.(map[string]any)["members"]; ok {
				t.Fatalf("%s: members present though excluded", filter)
			}
		}
		if a.status != 200 || !slices.Equal(got, want) {
			t.Fatalf("%s: %d %v, want %v", filter, a.status, got, want)
		}
	}
	wantError(t, serve(t, ops, "GET", "/Groups?filter="+url.QueryEscape(`displayName sw "s"`), ""), 400, TypeInvalidFilter)
	wantError(t, serve(t, ops, "GET", "/Groups?filter="+url.QueryEscape(`members.value eq "x"`), ""), 400, TypeInvalidFilter)
}

func TestPaging(t *testing.T) {
	ops := newFakeOps()
	for _, e := range []string{"e@example.com", "b@example.com", "d@example.com", "a@example.com", "c@example.com"} {
		ops.seed(e, true)
	}
	for _, tc := range []struct {
		query             string
		want              []string
		start, itemsPerPg int
	}{
		// Stable order (userName), whatever order the pool answers in.
		{"", []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"}, 1, 5},
		{"startIndex=2&count=2", []string{"b@example.com", "c@example.com"}, 2, 2},
		{"startIndex=5&count=2", []string{"e@example.com"}, 5, 1},
		{"startIndex=9", nil, 9, 0},
		// RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count 0.
		{"startIndex=0&count=1", []string{"a@example.com"}, 1, 1},
		{"count=-3", nil, 1, 0},
		{"count=0", nil, 1, 0},
		// Okta's connection test.
		{"filter=" + url.QueryEscape(`userName eq "nobody@example.com"`) + "&startIndex=1&count=1", nil, 1, 0},
	} {
		t.Run(tc.query, func(t *testing.T) {
			a := serve(t, ops, "GET", "/Users?"+tc.query, "")
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
			if got := userNames(a); !slices.Equal(got, tc.want) {
				t.Fatalf("users %v, want %v", got, tc.want)
			}
			total := 5.0
			if strings.Contains(tc.query, "filter") {
				total = 0
			}
			if a.body["totalResults"] != total || a.body["startIndex"] != float64(tc.start) || a.body["itemsPerPage"] != float64(tc.itemsPerPg) {
				t.Fatalf("totalResults/startIndex/itemsPerPage = %v/%v/%v", a.body["totalResults"], a.body["startIndex"], a.body["itemsPerPage"])
			}
			if !reflect.DeepEqual(a.body["schemas"], []any{SchemaListResponse}) {
				t.Fatalf("schemas %v", a.body["schemas"])
			}
		})
	}
	for _, q := range []string{"count=ten", "startIndex=1.5", "count=1&count=2"} {
		wantError(t, serve(t, ops, "GET", "/Users?"+q, ""), 400, TypeInvalidValue)
	}
}

func TestCountIsCapped(t *testing.T) {
	ops := newFakeOps()
	for i := range MaxCount + 5 {
		ops.seed(strings.Repeat("a", i+1)+"@example.com", true)
	}
	a := serve(t, ops, "GET", "/Users?count=1000", "")
	if a.body["itemsPerPage"] != float64(MaxCount) || a.body["totalResults"] != float64(MaxCount+5) {
		t.Fatalf("itemsPerPage %v totalResults %v, want %d and %d", a.body["itemsPerPage"], a.body["totalResults"], MaxCount, MaxCount+5)
	}
}

func TestUserResource(t *testing.T) {
	ops := newFakeOps()
	u := ops.seed("ann@example.com", true)
	u.GivenName, u.FamilyName, u.ExternalID = "Ann", "Lee", "00u1"
	a := serve(t, ops, "GET", "/Users/"+u.ID, "")
	want := map[string]any{
		"schemas": []any{SchemaUser}, "id": u.ID, "externalId": "00u1", "userName": "ann@example.com",
		"name":   map[string]any{"givenName": "Ann", "familyName": "Lee", "formatted": "Ann Lee"},
		"emails": []any{map[string]any{"value": "ann@example.com", "type": "work", "primary": true}},
		"active": true,
		"meta":   map[string]any{"resourceType": "User", "created": "2026-01-02T03:04:05Z", "lastModified": "2026-01-02T03:04:05Z", "location": base + "/Users/" + u.ID},
	}
	if a.status != 200 || !reflect.DeepEqual(a.body, want) {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	wantError(t, serve(t, ops, "GET", "/Users/nope", ""), 404, "")
}

func TestCreateUser(t *testing.T) {
	ops := newFakeOps()
	// Okta's create request (developer.okta.com, "SCIM 2.0 protocol reference").
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Test.User@example.com",
		"name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@example.com","type":"work"}],
		"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`
	a := serve(t, ops, "POST", "/Users", body)
	if a.status != 201 {
		t.Fatalf("status %d: %s", a.status, a.raw)
	}
	id := a.body["id"].(string)
	if a.headers["Location"] != base+"/Users/"+id || a.body["meta"].(map[string]any)["location"] != a.headers["Location"] {
		t.Fatalf("Location %q, meta %v", a.headers["Location"], a.body["meta"])
	}
	got := *ops.users[id]
	if got.GivenName != "Test" || got.FamilyName != "User" || got.ExternalID != "00ujl29u0le5T6Aj10h7" || !got.Active {
		t.Fatalf("created %+v", got)
	}
	if strings.Contains(a.raw, "1mz050nq") {
		t.Fatal("the password was echoed")
	}
	wantError(t, serve(t, ops, "POST", "/Users", body), 409, TypeUniqueness)
	for name, tc := range map[string]struct{ body, scimType string }{
		"no userName":          {`{"name":{"givenName":"A"}}`, TypeInvalidValue},
		"userName not string":  {`{"userName":7}`, TypeInvalidValue},
		"other primary email":  {`{"userName":"x@example.com","emails":[{"primary":true,"value":"y@example.com"}]}`, TypeInvalidValue},
		"active not a boolean": {`{"userName":"x@example.com","active":"maybe"}`, TypeInvalidValue},
		"name not an object":   {`{"userName":"x@example.com","name":"X"}`, TypeInvalidValue},
		"array body":           {`[]`, TypeInvalidSyntax},
	} {
		t.Run(name, func(t *testing.T) {
			n := len(ops.changes)
			wantError(t, serve(t, ops, "POST", "/Users", tc.body), 400, tc.scimType)
			if len(ops.changes) != n {
				t.Fatalf("a refused create changed %v", ops.changes[n:])
			}
		})
	}
	// A home email beside the work one is accepted (and not kept).
	if a := serve(t, ops, "POST", "/Users", `{"userName":"z@example.com","active":false,"emails":[{"value":"z@example.com","type":"work"},{"value":"z@home.example","type":"home"}]}`); a.status != 201 || a.body["active"] != false {
		t.Fatalf("%d %s", a.status, a.raw)
	}
}

func changesSince(ops *fakeOps, n int) []string { return slices.Clone(ops.changes[n:]) }

func TestPatchUser(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string
		active     bool
	}{
		// Okta deactivates with a path-less replace (developer.okta.com, "SCIM 2.0 protocol reference").
		{"okta deactivate", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
			[]string{"update ann@example.com active=false"}, false},
		// Entra ID: capitalised op, a string boolean (learn.microsoft.com, "Tutorial: Develop and plan provisioning for a SCIM endpoint").
		{"entra disable", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			[]string{"update ann@example.com active=false"}, false},
		{"entra names", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"Add","path":"name.givenName","value":"Annie"},{"op":"Replace","path":"name.familyName","value":"Lee"},
			{"op":"Replace","path":"externalId","value":"ext-9"},{"op":"Add","path":"displayName","value":"Annie Lee"},
			{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"42"}]}`,
			[]string{"update ann@example.com givenName=Annie familyName=Lee externalId=ext-9"}, true},
		{"entra path-less dotted", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"name.givenName":"Annie","active":"True"}}]}`,
			[]string{"update ann@example.com givenName=Annie"}, true},
		{"name object", `{"Operations":[{"op":"replace","path":"name","value":{"givenName":"Annie","familyName":"Lee"}}]}`,
			[]string{"update ann@example.com givenName=Annie familyName=Lee"}, true},
		// The email as it is, and the userName in another case: nothing changes.
		{"same email", `{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ann@example.com"},{"op":"replace","path":"userName","value":"ANN@example.com"}]}`,
			nil, true},
		{"already active", `{"Operations":[{"op":"replace","value":{"active":true}}]}`, nil, true},
		// Operations apply in order: the last word wins.
		{"in order", `{"Operations":[{"op":"replace","path":"active","value":false},{"op":"replace","path":"active","value":true}]}`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := newFakeOps()
			u := ops.seed("ann@example.com", true)
			a := serve(t, ops, "PATCH", "/Users/"+u.ID, tc.body)
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
			if !slices.Equal(ops.changes, tc.want) {
				t.Fatalf("changes %q, want %q", ops.changes, tc.want)
			}
			if a.body["active"] != tc.active || a.body["id"] != u.ID {
				t.Fatalf("answer %s", a.raw)
			}
		})
	}
}

func TestPatchUserRefusals(t *testing.T) {
	ops := newFakeOps()
	u := ops.seed("ann@example.com", true)
	for _, tc := range []struct{ name, body, scimType string }{
		{"other email", `{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"}]}`, TypeMutability},
		{"other userName", `{"Operations":[{"op":"replace","value":{"userName":"new@example.com"}}]}`, TypeMutability},
		{"remove name", `{"Operations":[{"op":"remove","path":"name.givenName"}]}`, TypeMutability},
		{"remove active", `{"Operations":[{"op":"remove","path":"active"}]}`, TypeMutability},
		{"bad op", `{"Operations":[{"op":"move","path":"active","value":false}]}`, TypeInvalidSyntax},
		{"no operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, TypeInvalidSyntax},
		{"wrong schema", `{"schemas":["urn:x"],"Operations":[{"op":"replace","path":"active","value":false}]}`, TypeInvalidSyntax},
		{"active not boolean", `{"Operations":[{"op":"replace","path":"active","value":"no"}]}`, TypeInvalidValue},
		{"no value", `{"Operations":[{"op":"replace","path":"active"}]}`, TypeInvalidValue},
		{"remove without path", `{"Operations":[{"op":"remove"}]}`, TypeNoTarget},
		{"bad path", `{"Operations":[{"op":"replace","path":"name[","value":"x"}]}`, TypeInvalidPath},
		{"path-less not object", `{"Operations":[{"op":"replace","value":false}]}`, TypeInvalidValue},
		// A refusal anywhere refuses the whole PATCH: the first operation is not applied either.
		{"late refusal", `{"Operations":[{"op":"replace","path":"active","value":false},{"op":"replace","path":"userName","value":"x@example.com"}]}`, TypeMutability},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, serve(t, ops, "PATCH", "/Users/"+u.ID, tc.body), 400, tc.scimType)
			if len(ops.changes) != 0 {
				t.Fatalf("a refused PATCH changed %q", ops.changes)
			}
		})
	}
	wantError(t, serve(t, ops, "PATCH", "/Users/missing", `{"Operations":[{"op":"replace","path":"active","value":false}]}`), 404, "")
}

func TestReplaceAndDeleteUser(t *testing.T) {
	ops := newFakeOps()
	u := ops.seed("ann@example.com", true)
	// Okta updates a profile with PUT, the whole user.
	a := serve(t, ops, "PUT", "/Users/"+u.ID, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"`+u.ID+`","userName":"ann@example.com",
		"name":{"givenName":"Ann","familyName":"Lee"},"emails":[{"primary":true,"value":"ann@example.com","type":"work"}],"active":true}`)
	if a.status != 200 || !slices.Equal(ops.changes, []string{"update ann@example.com givenName=Ann familyName=Lee"}) {
		t.Fatalf("%d %s %q", a.status, a.raw, ops.changes)
	}
	wantError(t, serve(t, ops, "PUT", "/Users/"+u.ID, `{"userName":"other@example.com"}`), 400, TypeMutability)
	if a := serve(t, ops, "DELETE", "/Users/"+u.ID, ""); a.status != 204 || a.raw != "" {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	wantError(t, serve(t, ops, "DELETE", "/Users/"+u.ID, ""), 404, "")
}

func TestPatchGroup(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		before     []int // indexes of users already members
		want       []string
		members    []int
	}{
		// Okta's membership PATCHes (developer.okta.com, "SCIM 2.0 protocol reference", Group operations).
		{"okta add", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{0}","display":"ann@example.com"},{"value":"{1}","display":"bob@example.com"}]}]}`,
			nil, []string{"add ann@example.com to sales", "add bob@example.com to sales"}, []int{0, 1}},
		{"okta remove by filter", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{0}\"]"}]}`,
			[]int{0, 1}, []string{"remove ann@example.com from sales"}, []int{1}},
		// Okta's rename-or-same: the displayName as it is changes nothing.
		{"okta path-less same name", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"sales","displayName":"sales"}}]}`,
			[]int{0}, nil, []int{0}},
		// Entra ID's (learn.microsoft.com, "Tutorial: Develop and plan provisioning for a SCIM endpoint").
		{"entra add", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"{1}"}]}]}`,
			[]int{0}, []string{"add bob@example.com to sales"}, []int{0, 1}},
		{"entra remove with value", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"{0}"}]}]}`,
			[]int{0, 1}, []string{"remove ann@example.com from sales"}, []int{1}},
		{"replace all", `{"Operations":[{"op":"replace","path":"members","value":[{"value":"{2}"},{"value":"{1}"}]}]}`,
			[]int{0, 1}, []string{"add cy@example.com to sales", "remove ann@example.com from sales"}, []int{1, 2}},
		{"remove all", `{"Operations":[{"op":"remove","path":"members"}]}`,
			[]int{0, 1}, []string{"remove ann@example.com from sales", "remove bob@example.com from sales"}, nil},
		// Adding a member twice, or removing a non-member, changes nothing.
		{"idempotent", `{"Operations":[{"op":"add","path":"members","value":[{"value":"{0}"}]},{"op":"remove","path":"members[value eq \"{2}\"]"}]}`,
			[]int{0}, nil, []int{0}},
		{"path-less members", `{"Operations":[{"op":"add","value":{"members":[{"value":"{2}"}]}}]}`,
			nil, []string{"add cy@example.com to sales"}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := newFakeOps("engineering", "sales")
			users := []*User{ops.seed("ann@example.com", true), ops.seed("bob@example.com", true), ops.seed("cy@example.com", true)}
			for _, i := range tc.before {
				ops.members["sales"] = append(ops.members["sales"], users[i].ID)
			}
			body := tc.body
			for i, u := range users {
				body = strings.ReplaceAll(body, "{"+itoa(i)+"}", u.ID)
			}
			a := serve(t, ops, "PATCH", "/Groups/sales", body)
			if a.status != 204 || a.raw != "" {
				t.Fatalf("%d %s", a.status, a.raw)
			}
			if !slices.Equal(ops.changes, tc.want) {
				t.Fatalf("changes %q, want %q", ops.changes, tc.want)
			}
			var want []string
			for _, i := range tc.members {
				want = append(want, users[i].ID)
			}
			got := slices.Clone(ops.members["sales"])
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("members %v, want %v", got, want)
			}
		})
	}
}

func TestPatchGroupRefusals(t *testing.T) {
	ops := newFakeOps("sales")
	u := ops.seed("ann@example.com", true)
	for _, tc := range []struct {
		name, body string
		status     int
		scimType   string
	}{
		{"rename", `{"Operations":[{"op":"replace","value":{"id":"sales","displayName":"Sales Team"}}]}`, 400, TypeMutability},
		{"rename by path", `{"Operations":[{"op":"replace","path":"displayName","value":"marketing"}]}`, 400, TypeMutability},
		{"unknown member", `{"Operations":[{"op":"add","path":"members","value":[{"value":"nobody"}]}]}`, 400, TypeInvalidValue},
		{"member without value", `{"Operations":[{"op":"add","path":"members","value":[{"display":"x"}]}]}`, 400, TypeInvalidValue},
		{"filtered add", `{"Operations":[{"op":"add","path":"members[value eq \"` + u.ID + `\"]","value":[{"value":"x"}]}]}`, 400, TypeInvalidPath},
		{"other filter", `{"Operations":[{"op":"remove","path":"members[display eq \"ann\"]"}]}`, 400, TypeInvalidPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, serve(t, ops, "PATCH", "/Groups/sales", tc.body), tc.status, tc.scimType)
			if len(ops.changes) != 0 {
				t.Fatalf("changed %q", ops.changes)
			}
		})
	}
	wantError(t, serve(t, ops, "PATCH", "/Groups/marketing", `{"Operations":[{"op":"remove","path":"members"}]}`), 404, "")
}

func TestGroups(t *testing.T) {
	ops := newFakeOps("engineering", "sales")
	ann := ops.seed("ann@example.com", true)
	// Group push of a group that exists: linked, with the pushed members.
	a := serve(t, ops, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"sales","members":[{"value":"`+ann.ID+`","display":"ann@example.com"}]}`)
	if a.status != 201 || a.headers["Location"] != base+"/Groups/sales" || a.body["id"] != "sales" {
		t.Fatalf("%d %v %s", a.status, a.headers, a.raw)
	}
	wantMembers := []any{map[string]any{"value": ann.ID, "display": "ann@example.com", "$ref": base + "/Users/" + ann.ID}}
	if !reflect.DeepEqual(a.body["members"], wantMembers) {
		t.Fatalf("members %v", a.body["members"])
	}
	// A group the pool does not have cannot be created: the answer names those it has.
	a = serve(t, ops, "POST", "/Groups", `{"displayName":"marketing"}`)
	wantError(t, a, 400, TypeInvalidValue)
	if !strings.Contains(a.body["detail"].(string), `["engineering","sales"]`) {
		t.Fatalf("detail %q", a.body["detail"])
	}
	wantError(t, serve(t, ops, "DELETE", "/Groups/sales", ""), 403, "")
	if _, ok := ops.members["sales"]; !ok || len(ops.members["sales"]) != 1 {
		t.Fatalf("DELETE changed members: %v", ops.members)
	}
	a = serve(t, ops, "GET", "/Groups/sales", "")
	if a.status != 200 || !reflect.DeepEqual(a.body["members"], wantMembers) || a.body["meta"].(map[string]any)["resourceType"] != "Group" {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	if a := serve(t, ops, "GET", "/Groups/engineering?attributes=displayName", ""); a.body["members"] != nil {
		t.Fatalf("members though not asked for: %s", a.raw)
	}
	if a := serve(t, ops, "GET", "/Groups/engineering", ""); !reflect.DeepEqual(a.body["members"], []any{}) {
		t.Fatalf("an empty group's members: %s", a.raw)
	}
	wantError(t, serve(t, ops, "GET", "/Groups/Sales", ""), 404, "")
	// PUT replaces the members.
	bob := ops.seed("bob@example.com", true)
	n := len(ops.changes)
	if a := serve(t, ops, "PUT", "/Groups/sales", `{"displayName":"sales","members":[{"value":"`+bob.ID+`"}]}`); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	if got := changesSince(ops, n); !slices.Equal(got, []string{"add bob@example.com to sales", "remove ann@example.com from sales"}) {
		t.Fatalf("PUT changes %q", got)
	}
	wantError(t, serve(t, ops, "PUT", "/Groups/sales", `{"displayName":"renamed"}`), 400, TypeMutability)
}

func TestErrorsAndRouting(t *testing.T) {
	ops := newFakeOps("sales")
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/Nothing", "", 404},
		{"GET", "/Users/a/b", "", 404},
		{"GET", "/Users/..", "", 404},
		{"GET", "/", "", 404},
		{"DELETE", "/Users", "", 405},
		{"POST", "/ServiceProviderConfig", "", 405},
		{"POST", "/Bulk", `{}`, 501},
		{"POST", "/Users/.search", `{}`, 501},
		{"POST", "/Users", `{"userName":`, 400},
	} {
		wantError(t, serve(t, ops, tc.method, tc.path, tc.body), tc.status, map[int]string{400: TypeInvalidSyntax}[tc.status])
	}
	s := &Server{Ops: ops, BaseURL: base}
	resp := s.Serve(context.Background(), Request{Method: "POST", Path: "/Users", Body: []byte(`userName=a`), ContentType: "application/x-www-form-urlencoded"})
	if resp.Status != 415 {
		t.Fatalf("form body: %d", resp.Status)
	}
	resp = s.Serve(context.Background(), Request{Method: "POST", Path: "/Users", Body: []byte(`{"userName":"` + strings.Repeat("a", MaxBody) + `"}`), ContentType: ContentType})
	if resp.Status != 413 {
		t.Fatalf("large body: %d", resp.Status)
	}
	// An error the endpoint does not know is a 500 that keeps its text to itself.
	ops.fail["Users"] = errors.New("AccessDeniedException: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/secret")
	a := serve(t, ops, "GET", "/Users", "")
	wantError(t, a, 500, "")
	if strings.Contains(a.raw, "arn:") {
		t.Fatalf("the cause leaked: %s", a.raw)
	}
	ops.fail["Users"] = &Error{Status: 429, Detail: "slow down", RetryAfter: 1}
	if a := serve(t, ops, "GET", "/Users", ""); a.status != 429 || a.headers["Retry-After"] != "1" {
		t.Fatalf("%d %v", a.status, a.headers)
	}
}

func TestDiscovery(t *testing.T) {
	ops := newFakeOps()
	a := serve(t, ops, "GET", "/ServiceProviderConfig", "")
	if a.status != 200 || a.body["patch"].(map[string]any)["supported"] != true || a.body["bulk"].(map[string]any)["supported"] != false ||
		a.body["filter"].(map[string]any)["maxResults"] != float64(MaxCount) || a.body["etag"].(map[string]any)["supported"] != false ||
		a.body["sort"].(map[string]any)["supported"] != false || a.body["changePassword"].(map[string]any)["supported"] != false {
		t.Fatalf("%s", a.raw)
	}
	if !reflect.DeepEqual(a.body["schemas"], []any{SchemaSPConfig}) || a.body["meta"].(map[string]any)["location"] != base+"/ServiceProviderConfig" {
		t.Fatalf("%s", a.raw)
	}
	a = serve(t, ops, "GET", "/Schemas", "")
	if a.body["totalResults"] != 2.0 {
		t.Fatalf("%s", a.raw)
	}
	// Each schema names exactly the attributes the endpoint keeps.
	for id, want := range map[string][]string{SchemaUser: {"userName", "externalId", "name", "emails", "active"}, SchemaGroup: {"displayName", "members"}} {
		a := serve(t, ops, "GET", "/Schemas/"+id, "")
		var got []string
		for _, at := range a.body["attributes"].([]any) {
			got = append(got, at.(map[string]any)["name"].(string))
		}
		if a.status != 200 || a.body["id"] != id || !slices.Equal(got, want) {
			t.Fatalf("%s: %d %v", id, a.status, got)
		}
	}
	wantError(t, serve(t, ops, "GET", "/Schemas/"+SchemaEnterpriseUser, ""), 404, "")
	a = serve(t, ops, "GET", "/ResourceTypes", "")
	if a.body["totalResults"] != 2.0 {
		t.Fatalf("%s", a.raw)
	}
	a = serve(t, ops, "GET", "/ResourceTypes/User", "")
	if a.body["endpoint"] != "/Users" || a.body["schema"] != SchemaUser || a.body["meta"].(map[string]any)["location"] != base+"/ResourceTypes/User" {
		t.Fatalf("%s", a.raw)
	}
	wantError(t, serve(t, ops, "GET", "/ResourceTypes/Device", ""), 404, "")
}
