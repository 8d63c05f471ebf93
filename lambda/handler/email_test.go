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
		strings.Repeat("a", 116) + "@example.com": strings.Repeat("a", 116) + "@example.com", // 128 characters
		// NFC: a combining accent composes with its letter, so both spellings are one address.
		"e\u0301lodie@exemple.fr":  "\u00e9lodie@exemple.fr",
		"E\u0301LODIE@exemple.fr":  "\u00e9lodie@exemple.fr",
		"\u00e9lodie@exemple.fr":   "\u00e9lodie@exemple.fr",
		"a@\u0065\u0301t\u00e9.fr": "a@\u00e9t\u00e9.fr",
		// 128 characters that are 2 bytes each: within both limits.
		strings.Repeat("\u00e9", 116) + "@example.com": strings.Repeat("\u00e9", 116) + "@example.com",
		// Decomposed, this is 129 runes; composed, 128 characters: NFC comes before the length rule.
		strings.Repeat("a", 115) + "e\u0301@example.com": strings.Repeat("a", 115) + "\u00e9@example.com",
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
		// Cognito refuses usernames over 128 characters: 129, and 242.
		strings.Repeat("a", 117) + "@example.com",
		strings.Repeat("a", 242) + "@example.com",
		// Outside the Basic Multilingual Plane a character counts twice.
		strings.Repeat("a", 115) + "\U0001d49c@example.com", // 128 runes, 129 UTF-16 units
	} {
		if got, err := NormalizeEmail(in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", in, got)
		}
	}
}

func TestNormalizeEmailLengthMessage(t *testing.T) {
	_, err := NormalizeEmail(strings.Repeat("a", 117) + "@example.com")
	if err == nil || !strings.Contains(err.Error(), "128") {
		t.Errorf("err = %v, want one naming the 128-character limit", err)
	}
}
