package handler

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"a@example.com":                           "a@example.com",
		"  John.Doe+Tag@Example.COM\t":            "john.doe+tag@example.com",
		"o'brien@sub.example.co.uk":               "o'brien@sub.example.co.uk",
		"x@xn--bcher-kva.example":                 "x@xn--bcher-kva.example",
		"ÉLODIE@exemple.fr":                       "élodie@exemple.fr",
		"a@b-c.example":                           "a@b-c.example",
		strings.Repeat("a", 242) + "@example.com": strings.Repeat("a", 242) + "@example.com",
	} {
		got, err := NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", " ", "plain", "a@", "@example.com", "a@b@example.com", "a@example", "a@example.", "a@.example.com",
		"a@example..com", "a b@example.com", "a@exa mple.com", "\"a b\"@example.com", "\"a\"@example.com",
		"A <a@example.com>", "<a@example.com>", "a@example.com, b@example.com", "a@example.com,b@example.com",
		"a@example.com (comment)", "a(comment)@example.com", "a@[192.0.2.1]", "a@exa_mple.com",
		"a\x00@example.com", "a..b@example.com", ".a@example.com", "a\xff@example.com", "a\u00a0@example.com",
		"\ufeffadmin@example.com", "adm\u202ein@example.com", "ad\u200dmin@example.com", "admin@exa\u200bmple.com",
		strings.Repeat("a", 243) + "@example.com",
	} {
		if got, err := NormalizeEmail(in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", in, got)
		}
	}
}
