package srp

import (
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"testing"
	"time"
)

// TestSRPKnownAnswer pins the client to the published vector of
// capless/warrant (Python), which alexrudd/cognito-srp also tests against:
// a = B = salt = 1234567890, user and password "test", pool "myPool".
func TestSRPKnownAnswer(t *testing.T) {
	n := big.NewInt(1234567890)
	c := &Client{poolName: "myPool", a: n, pubA: new(big.Int).Exp(srpGroupG, n, srpGroupN)}
	key, err := c.key("test", "test", n, n)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key); got != "d96cde6c95dda17175c1293140c5a81f" {
		t.Fatalf("key %s, want d96cde6c95dda17175c1293140c5a81f", got)
	}
	// k = H(pad(N) | pad(g)), recomputed here from the protocol's definition.
	h := sha256.New()
	h.Write(append([]byte{0}, srpGroupN.Bytes()...)) // N's high bit is set
	h.Write([]byte{2})
	if new(big.Int).SetBytes(h.Sum(nil)).Cmp(srpMultiplier) != 0 {
		t.Fatal("k differs")
	}
}

// Cognito reads TIMESTAMP as "EEE MMM d HH:mm:ss z yyyy": 24-hour clock,
// unpadded day, UTC.
func TestSRPTimestamp(t *testing.T) {
	c, err := New("eu-west-1_Ab12Cd34")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"USER_ID_FOR_SRP": "u", "USERNAME": "u", "SRP_B": "1234567890", "SALT": "abcdef", "SECRET_BLOCK": "AAAA"}
	for now, want := range map[time.Time]string{
		time.Date(2026, 11, 1, 15, 4, 5, 0, time.FixedZone("CET", 3600)): "Sun Nov 1 14:04:05 UTC 2026",
		time.Date(2026, 11, 22, 0, 30, 0, 0, time.UTC):                   "Sun Nov 22 00:30:00 UTC 2026",
	} {
		r, err := c.PasswordVerifier(params, "pw", now)
		if err != nil {
			t.Fatal(err)
		}
		if r["TIMESTAMP"] != want {
			t.Errorf("TIMESTAMP %q, want %q", r["TIMESTAMP"], want)
		}
	}
}

// A malformed challenge is refused, never signed: Cognito's SECRET_BLOCK is base64.
func TestSRPMalformedChallenge(t *testing.T) {
	c, err := New("eu-west-1_Ab12Cd34")
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]string{"USER_ID_FOR_SRP": "u", "USERNAME": "u", "SRP_B": "1234567890", "SALT": "abcdef", "SECRET_BLOCK": "AAAA"}
	for name, edit := range map[string]func(map[string]string){
		"block not base64": func(m map[string]string) { m["SECRET_BLOCK"] = "not base64!" },
		"no block":         func(m map[string]string) { delete(m, "SECRET_BLOCK") },
		"B not hex":        func(m map[string]string) { m["SRP_B"] = "xyz" },
		"no user id":       func(m map[string]string) { delete(m, "USER_ID_FOR_SRP") },
	} {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		edit(m)
		if _, err := c.PasswordVerifier(m, "pw", time.Now()); err == nil {
			t.Errorf("%s: signed a malformed challenge", name)
		}
	}
}

// A server's B that is zero modulo N would make the session key a
// constant anyone can compute (S = 0): refused, never signed (RFC 5054 2.5.4).
func TestSRPRefusesBZeroModN(t *testing.T) {
	c, err := New("eu-west-1_Ab12Cd34")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*big.Int{"0": big.NewInt(0), "N": srpGroupN, "2N": new(big.Int).Lsh(srpGroupN, 1)} {
		params := map[string]string{"USER_ID_FOR_SRP": "u", "USERNAME": "u", "SRP_B": b.Text(16), "SALT": "abcdef", "SECRET_BLOCK": "AAAA"}
		if _, err := c.PasswordVerifier(params, "pw", time.Now()); err == nil {
			t.Errorf("SRP_B = %s: signed", name)
		}
	}
}
