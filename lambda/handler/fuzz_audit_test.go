package handler

import (
	"encoding/json"
	"net/url"
	"testing"
)

// FuzzAuditQuery: any query string of GET /audit or a history is answered
// 200 or a 4xx in the API's error shape, and the records are read only
// when every parameter was valid.
func FuzzAuditQuery(f *testing.F) {
	for _, s := range [][5]string{
		{"user", "Maria@Example.com", "since", "2026-01-01T00:00:00Z", ""},
		{"actor", "sub-1", "until", "2026-01-01T00:00:00+02:00", ""},
		{"action", "disable", "limit", "100", ""},
		{"limit", "0", "nextToken", "eyJ9", ""},
		{"since", "2026-02-30T00:00:00Z", "user", "a@b", "history"},
		{"nextToken", "", "x", "y", "history"},
		{"action", "read", "actor", "a%40b.com", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4] == "history")
	}
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, history bool) {
		hs := newHarness(t)
		recs := withRecords(hs)
		e := ev{method: "GET", resource: "/audit", query: url.Values{k1: {v1}}}
		if k2 != k1 {
			e.query[k2] = []string{v2}
		}
		if history {
			e.resource, e.params = "/users/{email}/history", map[string]string{"email": "active@example.com"}
		}
		resp := hs.do(t, e)
		switch {
		case resp.StatusCode == 200:
			var b auditBody
			if err := json.Unmarshal([]byte(resp.Body), &b); err != nil || b.Records == nil {
				t.Fatalf("200 with body %s", resp.Body)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			var er errorResponse
			if err := json.Unmarshal([]byte(resp.Body), &er); err != nil || er.Error.Code == "" || er.Error.Message == "" {
				t.Fatalf("%d with body %s", resp.StatusCode, resp.Body)
			}
			if len(recs.queries) != 0 {
				t.Fatalf("refused (%s) but the table was read", resp.Body)
			}
		default:
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	})
}
