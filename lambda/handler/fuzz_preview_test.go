package handler

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzImportPreview sends any content to POST /imports/preview and checks
// what holds for every answer: 200 with one row per record, each either a
// create body (normalised email, managed groups only, sorted and unique)
// or a code and message, with counts that add up; else 400 or 413 in the
// error shape. Nothing in the pool changes, and only reads are made.
func FuzzImportPreview(f *testing.F) {
	for _, s := range []string{
		"email,groups,sendInvitation\na@example.com,support,true\n",
		"\ufeffEMAIL\n A@Example.COM \na@example.com\n",
		"email,groups\nb@example.com,admins;support;admins\nc@example.com,readonly\n",
		"email\n\"quoted@example.com\"\n\"broken\n",
		"groups,email\n,d@example.com\nsupport\n",
		"email,sendInvitation\ne@example.com,FALSE\nf@example.com,maybe\n",
		"email,temporaryPassword\ng@example.com,Secret-Pass-123!\n",
		`{"email":"h@example.com"}` + "\n",
		"",
		"email\r\ni@example.com\r\n\r\n",
		"email,groups\nj@example.com," + strings.Repeat("x", 200) + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		hs := newHarness(t)
		before := hs.fake.snapshot()
		body, _ := json.Marshal(map[string]string{"content": content})
		req := jsonEv("POST", "/imports/preview", nil, string(body)).request(t)
		hs.fake.newRequest()
		resp, err := hs.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		apiErr := checkAnswer(t, hs, resp)
		if after := hs.fake.snapshot(); after != before {
			t.Fatalf("a preview changed the pool")
		}
		for _, c := range hs.fake.recorded() {
			if c.method != "ListGroups" {
				t.Fatalf("a preview called %s", c.method)
			}
		}
		switch resp.StatusCode {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if apiErr.Error.Code != "InvalidRequest" && apiErr.Error.Code != "PayloadTooLarge" {
				t.Fatalf("%d %s", resp.StatusCode, resp.Body)
			}
			return
		case http.StatusOK:
		default:
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
		var p previewAnswer
		decodeStrict(t, resp.Body, &p)
		valid, line := 0, 0
		for _, r := range p.Rows {
			if r.Line <= line {
				t.Fatalf("line %d after line %d", r.Line, line)
			}
			line = r.Line
			if (r.Create == nil) == (r.Code == "") || (r.Code == "") != (r.Message == "") {
				t.Fatalf("line %d: create %v, code %q, message %q", r.Line, r.Create, r.Code, r.Message)
			}
			if r.Create == nil {
				continue
			}
			valid++
			checkNormalized(t, r.Create.Email)
			if r.Email != r.Create.Email {
				t.Fatalf("line %d: email %q, create's %q", r.Line, r.Email, r.Create.Email)
			}
			if !slices.IsSorted(r.Create.Groups) || len(slices.Compact(slices.Clone(r.Create.Groups))) != len(r.Create.Groups) {
				t.Fatalf("line %d: groups %q are not sorted and unique", r.Line, r.Create.Groups)
			}
			for _, g := range r.Create.Groups {
				if g != "admins" && g != "support" {
					t.Fatalf("line %d: group %q is not one GET /groups answers", r.Line, g)
				}
			}
		}
		if *p.Valid != valid || *p.Invalid != len(p.Rows)-valid {
			t.Fatalf("valid %d, invalid %d for %d rows, %d with create", *p.Valid, *p.Invalid, len(p.Rows), valid)
		}
	})
}
