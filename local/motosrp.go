package local

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// srpNote is reported at start with the properties the emulator does not enforce.
const srpNote = "USER_SRP_AUTH: the emulator does not verify the SRP proof, so any password signs in this way (the password flow does check it); local mode base64-encodes moto's SRP SECRET_BLOCK, as Cognito sends it"

const targetPrefix = "AWSCognitoIdentityProviderService."

// newCognitoProxy forwards every Cognito call to moto, correcting one
// departure that breaks real SRP clients: Cognito's PASSWORD_VERIFIER
// challenge carries SECRET_BLOCK as base64, which clients decode to sign it,
// while moto 5.2 sends a bare UUID (moto/cognitoidp/models.py, initiate_auth)
// and expects it back unchanged as PASSWORD_CLAIM_SECRET_BLOCK. The proxy
// encodes it on the way out and decodes it on the way back, so `useradmin`
// and any Cognito SRP library sign in against local mode unchanged. For the
// same libraries, a new-password challenge gets the attribute lists moto
// leaves out (completeNewPassword).
//
// It also serves Cognito calls one at a time. moto's server is threaded,
// but its Cognito backend is not thread-safe: with email as the username,
// every lookup iterates the pool's users (moto/cognitoidp/models.py,
// _get_user) while a concurrent AdminCreateUser inserts into the same dict,
// and Python answers "dictionary changed size during iteration" as a 500.
// Cognito itself never fails a request that way, so local mode must not:
// the tests' parallel creates, and the live check's two concurrent reads,
// turned it into a flake on a loaded machine.
func newCognitoProxy(moto *url.URL) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(moto)
			r.Out.Host = r.In.Host
			if r.Out.Header.Get("X-Amz-Target") == targetPrefix+"RespondToAuthChallenge" {
				rewriteJSON(&r.Out.Body, &r.Out.ContentLength, r.Out.Header, decodeSecretBlock)
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			if resp.StatusCode != http.StatusOK {
				return nil
			}
			switch resp.Request.Header.Get("X-Amz-Target") {
			case targetPrefix + "InitiateAuth":
				rewriteJSON(&resp.Body, &resp.ContentLength, resp.Header, func(m map[string]any) bool {
					return encodeSecretBlock(m) || completeNewPassword(m)
				})
			case targetPrefix + "RespondToAuthChallenge":
				rewriteJSON(&resp.Body, &resp.ContentLength, resp.Header, completeNewPassword)
			}
			return nil
		},
	}
	var cognito sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") == targetPrefix+"RevokeToken" {
			refuseRevokeToken(w)
			return
		}
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix) {
			cognito.Lock()
			defer cognito.Unlock()
		}
		proxy.ServeHTTP(w, r)
	})
}

// revokeNote is reported at start: RevokeToken is refused, as Cognito refuses it for a client without token revocation.
const revokeNote = "RevokeToken: moto 5.2 does not implement it (its answer is a 500 without CORS headers, which a browser reports as a blocked request); local mode answers UnsupportedOperationException, as Cognito does for a client without token revocation, and clients fall back to GlobalSignOut"

// refuseRevokeToken answers RevokeToken as Cognito does where token
// revocation is off, a 400 with the JSON error shape, readable across
// origins (the console calls Cognito from its own origin, and then signs out
// with GlobalSignOut instead).
func refuseRevokeToken(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, `{"__type":"UnsupportedOperationException","message":"RevokeToken is not available in local mode (the emulator has none): sign out with GlobalSignOut"}`)
}

// encodeSecretBlock base64-encodes a PASSWORD_VERIFIER challenge's SECRET_BLOCK.
func encodeSecretBlock(m map[string]any) bool {
	if m["ChallengeName"] != "PASSWORD_VERIFIER" {
		return false
	}
	params, _ := m["ChallengeParameters"].(map[string]any)
	block, ok := params["SECRET_BLOCK"].(string)
	if !ok {
		return false
	}
	params["SECRET_BLOCK"] = base64.StdEncoding.EncodeToString([]byte(block))
	return true
}

// completeNewPassword gives a NEW_PASSWORD_REQUIRED challenge the
// userAttributes and requiredAttributes (JSON text) Cognito always sends
// and moto 5.2 omits after SRP: Cognito's client libraries parse them, and
// amazon-cognito-identity-js (the console) fails on the missing text.
func completeNewPassword(m map[string]any) bool {
	if m["ChallengeName"] != "NEW_PASSWORD_REQUIRED" {
		return false
	}
	params, _ := m["ChallengeParameters"].(map[string]any)
	if params == nil {
		params = map[string]any{}
		m["ChallengeParameters"] = params
	}
	changed := false
	for k, empty := range map[string]string{"userAttributes": "{}", "requiredAttributes": "[]"} {
		if _, ok := params[k]; !ok {
			params[k] = empty
			changed = true
		}
	}
	return changed
}

// decodeSecretBlock undoes encodeSecretBlock in a PASSWORD_VERIFIER answer.
func decodeSecretBlock(m map[string]any) bool {
	if m["ChallengeName"] != "PASSWORD_VERIFIER" {
		return false
	}
	answers, _ := m["ChallengeResponses"].(map[string]any)
	block, _ := answers["PASSWORD_CLAIM_SECRET_BLOCK"].(string)
	raw, err := base64.StdEncoding.DecodeString(block)
	if err != nil {
		return false // not one the proxy encoded: moto answers as it would
	}
	answers["PASSWORD_CLAIM_SECRET_BLOCK"] = string(raw)
	return true
}

// rewriteJSON applies edit to a JSON body and replaces it when edit changed
// something; a body that is not a JSON object passes unchanged.
func rewriteJSON(body *io.ReadCloser, length *int64, h http.Header, edit func(map[string]any) bool) {
	if *body == nil {
		return
	}
	b, err := io.ReadAll(*body)
	(*body).Close()
	*body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || !edit(m) {
		return
	}
	out, err := json.Marshal(m)
	if err != nil {
		return
	}
	*body = io.NopCloser(bytes.NewReader(out))
	*length = int64(len(out))
	h.Set("Content-Length", strconv.Itoa(len(out)))
}
