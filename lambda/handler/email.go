package handler

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEmail is the longest address SMTP can carry (RFC 5321 path limit less the brackets).
const maxEmail = 254

// NormalizeEmail returns the canonical form of one plain email address:
// trimmed and lower-cased, as the user pool compares usernames case-insensitively.
// It refuses anything but a bare address (display names, angle brackets,
// lists, quoted or commented parts), because the result is the username and
// the address Cognito sends the invitation to. The error says which rule broke.
func NormalizeEmail(s string) (string, error) {
	if !utf8.ValidString(s) {
		// Checked first: lower-casing would silently replace the bad bytes.
		return "", errors.New("is not valid UTF-8")
	}
	e := strings.ToLower(strings.TrimSpace(s))
	switch {
	case e == "":
		return "", errors.New("is empty")
	case len(e) > maxEmail:
		return "", errors.New("is longer than 254 characters")
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
