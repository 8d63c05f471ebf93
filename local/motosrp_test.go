package local

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestCognitoProxySecretBlock: moto's bare-UUID SECRET_BLOCK reaches
// clients base64-encoded, as Cognito sends it, and goes back to moto as it
// was; other calls pass untouched.
func TestCognitoProxySecretBlock(t *testing.T) {
	const block = "0caec8f0-b073-4ccf-ab50-83f3000a1f0a"
	var received string
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.Header.Get("X-Amz-Target") {
		case targetPrefix + "InitiateAuth":
			_, _ = io.WriteString(w, `{"ChallengeName":"PASSWORD_VERIFIER","Session":"`+block+`","ChallengeParameters":{"SALT":"ab","SECRET_BLOCK":"`+block+`"}}`)
		case targetPrefix + "RespondToAuthChallenge":
			var in struct{ ChallengeResponses map[string]string }
			_ = json.Unmarshal(b, &in)
			received = in.ChallengeResponses["PASSWORD_CLAIM_SECRET_BLOCK"]
			_, _ = io.WriteString(w, `{}`)
		default:
			_, _ = w.Write(b) // echo
		}
	}))
	defer moto.Close()
	u, _ := url.Parse(moto.URL)
	proxy := httptest.NewServer(newCognitoProxy(u))
	defer proxy.Close()
	post := func(target, body string) string {
		req, _ := http.NewRequest(http.MethodPost, proxy.URL, strings.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.ContentLength >= 0 && int(resp.ContentLength) != len(b) {
			t.Errorf("%s: Content-Length %d for a body of %d bytes", target, resp.ContentLength, len(b))
		}
		return string(b)
	}

	var challenge struct {
		Session             string
		ChallengeParameters map[string]string
	}
	if err := json.Unmarshal([]byte(post("InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH"}`)), &challenge); err != nil {
		t.Fatal(err)
	}
	sent := challenge.ChallengeParameters["SECRET_BLOCK"]
	if raw, err := base64.StdEncoding.DecodeString(sent); err != nil || string(raw) != block {
		t.Fatalf("SECRET_BLOCK = %q, want moto's block in base64", sent)
	}
	if challenge.Session != block || challenge.ChallengeParameters["SALT"] != "ab" {
		t.Errorf("other fields changed: %+v", challenge)
	}
	post("RespondToAuthChallenge", `{"ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"PASSWORD_CLAIM_SECRET_BLOCK":"`+sent+`"}}`)
	if received != block {
		t.Errorf("moto received PASSWORD_CLAIM_SECRET_BLOCK %q, want %q", received, block)
	}
	if got := post("ListUsers", `{"UserPoolId":"p"}`); got != `{"UserPoolId":"p"}` {
		t.Errorf("another call changed: %s", got)
	}
}

// TestCognitoProxyOneCallAtATime: moto's Cognito backend is not
// thread-safe, so the proxy lets one Cognito call reach it at a time; other
// services' calls (DynamoDB, SQS: long polls among them) are not held.
func TestCognitoProxyOneCallAtATime(t *testing.T) {
	entered := make(chan string, 3)
	release := make(chan struct{})
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		entered <- target
		if target == targetPrefix+"AdminGetUser" {
			<-release // the first Cognito call is still being served
		}
		_, _ = io.WriteString(w, `{}`)
	}))
	defer moto.Close()
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	u, _ := url.Parse(moto.URL)
	proxy := httptest.NewServer(newCognitoProxy(u))
	defer proxy.Close()
	defer free() // first: the servers' Close waits for the held call
	send := func(target string) <-chan error {
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, proxy.URL, strings.NewReader(`{}`))
			req.Header.Set("X-Amz-Target", target)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		return done
	}
	first := send(targetPrefix + "AdminGetUser")
	if got := <-entered; got != targetPrefix+"AdminGetUser" {
		t.Fatalf("first call at moto: %s", got)
	}
	second := send(targetPrefix + "AdminCreateUser")
	other := send("DynamoDB_20120810.PutItem")
	if got := <-entered; got != "DynamoDB_20120810.PutItem" {
		t.Fatalf("while a Cognito call is served, %s reached moto: want only the DynamoDB call", got)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-entered:
		t.Fatalf("%s reached moto while another Cognito call was served", got)
	default:
	}
	free()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := <-entered; got != targetPrefix+"AdminCreateUser" {
		t.Fatalf("after the first: %s", got)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
}

// TestCognitoProxyRevokeToken: moto has no RevokeToken (it answers a 500
// without CORS headers, which the browser reports as a blocked request):
// the proxy refuses it as Cognito does where revocation is off, readable
// across origins, and moto never sees it.
func TestCognitoProxyRevokeToken(t *testing.T) {
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == targetPrefix+"RevokeToken" {
			t.Error("RevokeToken reached moto")
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer moto.Close()
	u, _ := url.Parse(moto.URL)
	proxy := httptest.NewServer(newCognitoProxy(u))
	defer proxy.Close()
	req, _ := http.NewRequest(http.MethodPost, proxy.URL, strings.NewReader(`{"Token":"t","ClientId":"c"}`))
	req.Header.Set("X-Amz-Target", targetPrefix+"RevokeToken")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Origin", "http://127.0.0.1:1234")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Type string `json:"__type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || body.Type != "UnsupportedOperationException" || resp.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("RevokeToken: %d %q, Access-Control-Allow-Origin %q", resp.StatusCode, body.Type, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestCognitoProxyNewPasswordChallenge: moto's NEW_PASSWORD_REQUIRED
// challenge reaches clients with the userAttributes and requiredAttributes
// Cognito always sends (Cognito's libraries parse them); values moto did
// send, and other challenges, pass as they were.
func TestCognitoProxyNewPasswordChallenge(t *testing.T) {
	answers := map[string]string{
		"RespondToAuthChallenge": `{"ChallengeName":"NEW_PASSWORD_REQUIRED","Session":"s","ChallengeParameters":{"USER_ID_FOR_SRP":"u"}}`,
		"InitiateAuth":           `{"ChallengeName":"NEW_PASSWORD_REQUIRED","Session":"s","ChallengeParameters":{"userAttributes":"{\"email\":\"a@b.c\"}"}}`,
		"AdminInitiateAuth":      `{"ChallengeName":"NEW_PASSWORD_REQUIRED","Session":"s"}`,
	}
	moto := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, answers[strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)])
	}))
	defer moto.Close()
	u, _ := url.Parse(moto.URL)
	proxy := httptest.NewServer(newCognitoProxy(u))
	defer proxy.Close()
	params := func(target string) map[string]string {
		req, _ := http.NewRequest(http.MethodPost, proxy.URL, strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", targetPrefix+target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ ChallengeParameters map[string]string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.ChallengeParameters
	}
	if got := params("RespondToAuthChallenge"); got["userAttributes"] != "{}" || got["requiredAttributes"] != "[]" || got["USER_ID_FOR_SRP"] != "u" {
		t.Errorf("after SRP: %v, want empty userAttributes and requiredAttributes added", got)
	}
	if got := params("InitiateAuth"); got["userAttributes"] != `{"email":"a@b.c"}` || got["requiredAttributes"] != "[]" {
		t.Errorf("password flow: %v, want moto's userAttributes kept and requiredAttributes added", got)
	}
	if got := params("AdminInitiateAuth"); got != nil {
		t.Errorf("a call the proxy does not correct: %v, want it untouched", got)
	}
}
