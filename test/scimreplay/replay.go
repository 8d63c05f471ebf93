// Package scimreplay holds the request and response sequences of Okta's
// and Microsoft Entra ID's SCIM 2.0 guides, and a runner that replays them
// against an endpoint and the pool behind it. The handler's tests replay
// them against the handler over a fake pool, the end-to-end tests against
// local mode over HTTP, so both levels hold to the same published flows.
//
// Where this endpoint's contract differs from a guide's sample values (the
// userName must be the email; groups are the pool's managed groups), the
// step says so, and the sample as published is replayed too, to show the
// refusal it gets.
package scimreplay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Client sends one request to the endpoint: method, a path relative to
// its base URL ("/Users?…"), a JSON body or "". It answers the status, the
// headers and the body.
type Client func(t testing.TB, method, path, body string) (status int, header http.Header, answer []byte)

// User is what the pool holds of a user.
type User struct {
	Sub                   string
	Enabled               bool
	GivenName, FamilyName string
	ExternalID            string
	Groups                []string
}

// Pool reads the pool behind the endpoint.
type Pool interface {
	// User reads the user with this email; ok is false when there is none.
	User(t testing.TB, email string) (u User, ok bool)
}

// Vars are the values a sequence learns as it goes ({user}: the id the
// create answered) and the ones it is given ({group}: a managed group the
// principal may manage).
type Vars map[string]string

func (v Vars) expand(s string) string {
	for k, val := range v {
		s = strings.ReplaceAll(s, "{"+k+"}", val)
		// In a query built with url.QueryEscape, as the sequences build their filters.
		s = strings.ReplaceAll(s, url.QueryEscape("{"+k+"}"), url.QueryEscape(val))
	}
	return s
}

// Step is one request of a guide and what must come of it.
type Step struct {
	// Doc names the request as the guide does.
	Doc          string
	Method, Path string
	Body         string
	Status       int
	// Want is JSON the answer must hold: every member of an object, arrays
	// element by element and of the same length. Empty: not checked.
	Want string
	// Absent names top-level members the answer must not have.
	Absent []string
	// Save names the answer's top-level fields to remember as Vars.
	Save map[string]string
	// Pool checks the pool after the step.
	Pool func(t testing.TB, p Pool, v Vars)
}

// Run replays steps in order; vars starts with what the caller gives.
func Run(t *testing.T, do Client, pool Pool, vars Vars, steps []Step) {
	t.Helper()
	for i, s := range steps {
		name := fmt.Sprintf("%02d %s", i+1, s.Doc)
		path, body := vars.expand(s.Path), vars.expand(s.Body)
		status, header, got := do(t, s.Method, path, body)
		if status != s.Status {
			t.Fatalf("%s: %s %s: status %d, want %d: %s", name, s.Method, path, status, s.Status, got)
		}
		if status == http.StatusNoContent {
			if len(got) != 0 {
				t.Fatalf("%s: 204 with a body: %s", name, got)
			}
		} else if ct := header.Get("Content-Type"); ct != "application/scim+json" {
			t.Fatalf("%s: Content-Type %q", name, ct)
		}
		var answer any
		if len(got) > 0 {
			if err := json.Unmarshal(got, &answer); err != nil {
				t.Fatalf("%s: the body is not JSON: %s", name, got)
			}
		}
		if status >= 400 {
			// RFC 7644 §3.12: the status, as a string, in the error shape.
			m, _ := answer.(map[string]any)
			if m == nil || !reflect.DeepEqual(m["schemas"], []any{"urn:ietf:params:scim:api:messages:2.0:Error"}) || m["status"] != fmt.Sprint(status) || m["detail"] == "" {
				t.Fatalf("%s: not SCIM's error shape: %s", name, got)
			}
		}
		if s.Want != "" {
			var want any
			if err := json.Unmarshal([]byte(vars.expand(s.Want)), &want); err != nil {
				t.Fatalf("%s: Want is not JSON: %v", name, err)
			}
			if err := holds(answer, want, "$"); err != nil {
				t.Fatalf("%s: %v\nanswer: %s", name, err, indent(got))
			}
		}
		for _, field := range s.Absent {
			if m, _ := answer.(map[string]any); m != nil {
				if _, ok := m[field]; ok {
					t.Fatalf("%s: %s present: %s", name, field, got)
				}
			}
		}
		for key, field := range s.Save {
			m, _ := answer.(map[string]any)
			v, ok := m[field].(string)
			if !ok || v == "" {
				t.Fatalf("%s: no %s to remember: %s", name, field, got)
			}
			vars[key] = v
		}
		if s.Pool != nil {
			s.Pool(t, pool, vars)
		}
	}
}

// holds reports where got does not hold want.
func holds(got, want any, at string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", at, got)
		}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range w {
				if !yield(k) {
					return
				}
			}
		}) {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing", at, k)
			}
			if err := holds(gv, w[k], at+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d elements, got %v", at, len(w), got)
		}
		for i := range w {
			if err := holds(g[i], w[i], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: got %v, want %v", at, got, want)
	}
	return nil
}

func indent(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

// wantUser checks the pool holds the user as the step left them.
func wantUser(email string, check func(t testing.TB, u User, v Vars)) func(testing.TB, Pool, Vars) {
	return func(t testing.TB, p Pool, v Vars) {
		t.Helper()
		u, ok := p.User(t, email)
		if !ok {
			t.Fatalf("the pool has no user %s", email)
		}
		check(t, u, v)
	}
}

// wantNoUser checks the pool has no such user.
func wantNoUser(email string) func(testing.TB, Pool, Vars) {
	return func(t testing.TB, p Pool, _ Vars) {
		t.Helper()
		if u, ok := p.User(t, email); ok {
			t.Fatalf("the pool still has %s: %+v", email, u)
		}
	}
}

func inGroup(email string, in bool) func(testing.TB, Pool, Vars) {
	return wantUser(email, func(t testing.TB, u User, v Vars) {
		if slices.Contains(u.Groups, v["group"]) != in {
			t.Fatalf("%s in %s: %v, want %v (groups %v)", email, v["group"], !in, in, u.Groups)
		}
	})
}

var userNameField = regexp.MustCompile(`"userName"\s*:\s*"([^"]+)"`)

// UserNames are the userNames the steps' bodies send, lower-cased as the
// pool keeps emails: the users a replay may create, so a run can start
// without the ones an earlier run left.
func UserNames(steps []Step) []string {
	var names []string
	for _, s := range steps {
		for _, m := range userNameField.FindAllStringSubmatch(s.Body, -1) {
			if n := strings.ToLower(m[1]); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}
