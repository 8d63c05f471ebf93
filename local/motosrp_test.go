package local

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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
