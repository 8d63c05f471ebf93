package handler

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxEmail is the longest address SMTP can carry (RFC 5321 path limit less the brackets).
const maxEmail = 254

// maxUsername is the longest username Cognito accepts, in characters; the
// email is the username here, so no longer address can have an account.
const maxUsername = 128

// NormalizeEmail returns the canonical form of one plain email address:
// trimmed, lower-cased (the user pool compares usernames case-insensitively)
// and in Unicode NFC, so that "é" and "e" followed by a combining accent are
// one address, not two accounts that look the same.
// It refuses anything but a bare address (display names, angle brackets,
// lists, quoted or commented parts), because the result is the username and
// the address Cognito sends the invitation to. The error says which rule broke.
func NormalizeEmail(s string) (string, error) {
	if !utf8.ValidString(s) {
		// Checked first: lower-casing would silently replace the bad bytes.
		return "", errors.New("is not valid UTF-8")
	}
	// NFC before any length rule: composing (or, for a few characters, decomposing) changes the length.
	e := norm.NFC.String(strings.ToLower(strings.TrimSpace(s)))
	switch {
	case e == "":
		return "", errors.New("is empty")
	case len(e) > maxEmail:
		return "", errors.New("is longer than 254 characters")
	case utf16Len(e) > maxUsername:
		return "", errors.New("is longer than 128 characters, the most a Cognito username may hold")
	case strings.IndexFunc(e, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "", errors.New("contains whitespace or a control character")
	case strings.IndexFunc(e, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0:
		// Invisible characters (zero-width, bidi overrides) would make a second
		// account that reads exactly like an existing one in every list and log.
		return "", errors.New("contains an invisible formatting character")
	case strings.Count(e, "@") != 1:
		return "", errors.New("must contain exactly one @")
	}
	// The structural rules come first, so the message names the precise one broken;
	// net/mail then refuses what remains (quoted strings, comments, dots out of place).
	local, domain, _ := strings.Cut(e, "@")
	if local == "" {
		return "", errors.New("has an empty local part")
	}
	if !strings.Contains(domain, ".") {
		return "", errors.New("domain must contain a dot")
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" {
			return "", errors.New("domain has an empty label")
		}
		// Letters, digits and hyphens only: no IP literals or punctuation an MTA would reinterpret.
		if strings.IndexFunc(label, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) >= 0 {
			return "", errors.New("domain may hold only letters, digits, hyphens and dots")
		}
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Name != "" || addr.Address != e {
		return "", errors.New("must be one plain address like name@example.com")
	}
	return e, nil
}

// utf16Len counts s in UTF-16 code units: a character outside the Basic
// Multilingual Plane counts twice, so the limit holds however the service counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
