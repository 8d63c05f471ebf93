package handler

import (
	"net/http"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func TestHasLoneSurrogate(t *testing.T) {
	for body, want := range map[string]bool{
		`{"a":"\ud800"}`:              true,
		`{"a":"\uD800"}`:              true,
		`{"a":"\udc00"}`:              true,
		`{"a":"x\udfffy"}`:            true,
		`{"a":"\ud800\u0041"}`:        true,
		`{"a":"\ud800\ud800"}`:        true,
		`{"a":"\ud800x"}`:             true,
		`{"a":"\ud800\n"}`:            true,
		`{"a":"\ud800"`:               true,
		`{"a":"\ud800\`:               true,
		`{"a":"\ud800\ud`:             true,
		`{"a":"\udbff\udfff"}`:        false,
		`{"a":"\ud83d\ude00"}`:        false,
		`{"a":"\uD83D\uDE00"}`:        false,
		`{"\ud800":"a"}`:              true, // keys are strings too
		`{"a":["b","\udc00"]}`:        true, // as are array elements
		`{"a":"\\ud800"}`:             false,
		`{"a":"\\\ud800"}`:            true,
		`{"a":"\"\ud800"}`:            true,
		`{"a":"\u00e9\u0041"}`:        false,
		`{"a":"\ufffd"}`:              false,
		`{"a":"ud800"}`:               false,
		`{"a":1,"b":"\u12"}`:          false, // malformed: the decoder refuses it
		`{"a":"\ud800\u12"}`:          true,
		`"\ud800`:                     true,
		`\ud800`:                      false, // outside a string literal
		`{"a":"😀"}`:                   false,
		``:                            false,
		`"`:                           false,
		`"\`:                          false,
		`"\u`:                         false,
		`{"a":"\ud800\udc00\udc00"}`:  true,
		`{"a":"\ud800\udc00","b":""}`: false,
	} {
		if got := hasLoneSurrogate([]byte(body)); got != want {
			t.Errorf("hasLoneSurrogate(%s) = %t, want %t", body, got, want)
		}
	}
}

// encoding/json would turn these into U+FFFD: a temporary password nobody
// can type, or an email that is not the one sent. They are refused, before Cognito.
func TestCreateRefusesLoneSurrogates(t *testing.T) {
	for _, body := range []string{
		`{"email":"a@example.com","temporaryPassword":"Kx9#mQ2!vLp7$wZ4\ud800"}`,
		`{"email":"a@example.com","temporaryPassword":"\udc00Kx9#mQ2!vLp7$wZ4"}`,
		`{"email":"a@example.com","temporaryPassword":"Kx9#mQ2!\ud800\u0041vLp7$wZ4"}`,
		`{"email":"a\ud800@example.com"}`,
		`{"email":"\udfff@example.com"}`,
		`{"email":"a@example.com","groups":["support\ud800"]}`,
	} {
		hs := newHarness(t)
		e := wantError(t, hs.do(t, createEvent(body)), http.StatusBadRequest, "InvalidRequest")
		if !strings.Contains(e.Error.Message, "surrogate") {
			t.Errorf("%s: message %q does not say what is wrong", body, e.Error.Message)
		}
		if calls := hs.fake.methods(); len(calls) != 0 {
			t.Errorf("%s: Cognito was called: %v", body, calls)
		}
	}
	// A surrogate pair is one character, and fine.
	hs := newHarness(t)
	wantUser(t, hs.do(t, createEvent(`{"email":"a@example.com","temporaryPassword":"Kx9#mQ2!vLp7$wZ4\ud83d\ude00"}`)), http.StatusCreated)
	if pw := *hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput).TemporaryPassword; pw != "Kx9#mQ2!vLp7$wZ4\U0001F600" {
		t.Errorf("password reached Cognito as %q", pw)
	}
}

// The JSON-only routes refuse lone surrogates as create does: a temporary
// password set through POST …/password would otherwise hold a U+FFFD that no
// one can type, and no name or attribute may reach Cognito changed.
func TestJSONRoutesRefuseLoneSurrogates(t *testing.T) {
	for _, e := range []ev{
		passwordEvent("active@example.com", `{"mode":"temporary","temporaryPassword":"Kx9#mQ2!vLp7$wZ4\ud800","sendInvitation":false}`),
		passwordEvent("active@example.com", `{"mode":"temporary","temporaryPassword":"\udc00Kx9#mQ2!vLp7$wZ4"}`),
		patchEvent("active@example.com", `{"givenName":"Ann\ud800"}`),
	} {
		hs := newHarness(t)
		wantError(t, hs.do(t, e), http.StatusBadRequest, "InvalidRequest")
		if got := hs.fake.methods(); len(got) != 0 {
			t.Errorf("%s %s: Cognito was called: %v", e.method, e.body, got)
		}
	}
}
