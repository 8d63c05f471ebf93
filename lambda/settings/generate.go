package settings

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
)

// Character classes of generated passwords. Look-alikes (0/O, 1/l/I) are left
// out, as people type these from an email; so are symbols that HTML or a
// mail client would alter (& < > " ' and space), since the invitation is an
// HTML email that Cognito fills in as is.
const (
	genLower   = "abcdefghijkmnopqrstuvwxyz"
	genUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	genDigits  = "23456789"
	genSymbols = "!#$%*+-=?@^_"
)

// minGenerated is the shortest password Generate makes, whatever the policy's minimum.
const minGenerated = 16

// Generate returns a random password that satisfies the policy: at least
// max(MinLength, 16) characters, with one of every required class, from
// random (crypto/rand.Reader in production).
func (p PasswordPolicy) Generate(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	n := max(p.MinLength, minGenerated)
	// Every class is drawn from, required or not: more kinds of character, more entropy.
	all := genLower + genUpper + genDigits + genSymbols
	var out []byte
	for _, class := range []string{genLower, genUpper, genDigits, genSymbols} {
		c, err := pick(random, class)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	for len(out) < n {
		c, err := pick(random, all)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	// Shuffle (Fisher-Yates), so the classes' first characters are not always in front.
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(random, big.NewInt(int64(i+1)))
		if err != nil {
			return "", fmt.Errorf("generating a password: %w", err)
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(random io.Reader, class string) (byte, error) {
	i, err := rand.Int(random, big.NewInt(int64(len(class))))
	if err != nil {
		return 0, fmt.Errorf("generating a password: %w", err)
	}
	return class[i.Int64()], nil
}
