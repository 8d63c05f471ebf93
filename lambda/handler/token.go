package handler

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// pageToken wraps Cognito's pagination token with the pool it belongs to, so
// a token from another pool (another stage, another stack) is refused here
// instead of surfacing as a confusing Cognito error.
type pageToken struct {
	Pool  string `json:"p"`
	Token string `json:"t"`
}

func encodeToken(pool, cognitoToken string) string {
	b, _ := json.Marshal(pageToken{Pool: pool, Token: cognitoToken}) // two strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken returns the Cognito token inside s, or InvalidNextToken.
func decodeToken(pool, s string) (string, error) {
	invalid := newError(http.StatusBadRequest, "InvalidNextToken", "nextToken is not a token this API issued for this user pool")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", invalid
	}
	var t pageToken
	if err := json.Unmarshal(b, &t); err != nil || t.Pool != pool || t.Token == "" {
		return "", invalid
	}
	// Only the exact string encodeToken issues is accepted. encoding/json alone
	// would also take keys in another case, repeated keys, unknown fields and
	// invalid UTF-8 (silently replaced, so Cognito would get another token
	// than the one sent), and base64 leaves the last character's spare bits free.
	if encodeToken(pool, t.Token) != s {
		return "", invalid
	}
	return t.Token, nil
}
