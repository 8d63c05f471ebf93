package handler

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
	"github.com/useradmin/cognito-user-admin/test/scimreplay"
)

// The vendors' published sequences (test/scimreplay), replayed against the
// handler over the fake pool, as the principal dev configures (the admins
// role). test/scim_replay_test.go replays them against local mode.
func TestSCIMReplayOkta(t *testing.T) {
	replaySCIM(t, scimreplay.Okta())
}

func TestSCIMReplayEntra(t *testing.T) {
	replaySCIM(t, scimreplay.Entra())
}

func replaySCIM(t *testing.T, steps []scimreplay.Step) {
	hs, _ := newSCIMHarness(t, func(s *settings.Settings) { s.SCIM.Role = "admins" })
	do := func(t testing.TB, method, path, body string) (int, http.Header, []byte) {
		resp := hs.do(t, scimEv(method, path, body))
		h := http.Header{}
		for k, v := range resp.Headers {
			h.Set(k, v)
		}
		return resp.StatusCode, h, []byte(resp.Body)
	}
	scimreplay.Run(t, do, fakePool{hs.fake}, scimreplay.Vars{"group": "support"}, steps)
}

// fakePool reads the fake pool as scimreplay.Pool.
type fakePool struct{ f *fakeCognito }

func (p fakePool) User(_ testing.TB, email string) (scimreplay.User, bool) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	u, ok := p.f.users[strings.ToLower(email)]
	if !ok {
		return scimreplay.User{}, false
	}
	return scimreplay.User{
		Sub: u.sub, Enabled: u.enabled, GivenName: u.profile["given_name"], FamilyName: u.profile["family_name"],
		ExternalID: u.profile["custom:scim_external_id"], Groups: slices.Sorted(maps.Keys(u.groups)),
	}, true
}
