package test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/test/scimreplay"
)

// The vendors' published SCIM sequences (test/scimreplay: Okta's "Okta and
// SCIM Version 2.0", Entra ID's "Tutorial: Develop and plan provisioning
// for a SCIM endpoint"), replayed against local mode over HTTP: the SCIM
// authorizer, the gateway's /scim/v2/{proxy+} route, the function, the
// emulator's pool. Statuses, bodies and the pool after each step.

// scimGroup is dev's managed group that is not a role: the one its SCIM principal pushes.
const scimGroup = "tenant-a"

func needSCIM(t *testing.T) {
	t.Helper()
	needEnv(t)
	if env.SCIM == nil || env.SCIM.Token == "" {
		t.Fatal("dev's template has no SCIM bearer token: local mode did not provision SCIM")
	}
}

// scimCall sends one SCIM request with the given Authorization header value.
func scimCall(t testing.TB, authorization, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, gateway.URL+"/scim/v2"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func scimClient(authorization string) scimreplay.Client {
	return func(t testing.TB, method, path, body string) (int, http.Header, []byte) {
		return scimCall(t, authorization, method, path, body)
	}
}

// emulatorPool reads the emulator's pool as scimreplay.Pool.
type emulatorPool struct{}

func (emulatorPool) User(t testing.TB, email string) (scimreplay.User, bool) {
	t.Helper()
	ctx := context.Background()
	out, err := env.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(email)})
	var nf *types.UserNotFoundException
	if errors.As(err, &nf) {
		return scimreplay.User{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	u := scimreplay.User{Sub: aws.ToString(out.Username), Enabled: out.Enabled}
	for _, a := range out.UserAttributes {
		switch aws.ToString(a.Name) {
		case "given_name":
			u.GivenName = aws.ToString(a.Value)
		case "family_name":
			u.FamilyName = aws.ToString(a.Value)
		case "custom:scim_external_id":
			u.ExternalID = aws.ToString(a.Value)
		}
	}
	groups, err := env.Cognito.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &env.Pool.ID, Username: out.Username})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups {
		u.Groups = append(u.Groups, aws.ToString(g.GroupName))
	}
	slices.Sort(u.Groups)
	return u, true
}

// Okta, with the SCIM client's client-credentials access token.
func TestSCIMReplayOkta(t *testing.T) {
	needSCIM(t)
	tok, err := env.SCIM.ClientToken()
	if err != nil {
		t.Fatal(err)
	}
	steps := scimreplay.Okta()
	forgetUsers(t, scimreplay.UserNames(steps)...)
	scimreplay.Run(t, scimClient("Bearer "+tok), emulatorPool{}, scimreplay.Vars{"group": scimGroup}, steps)
}

// Entra ID, with the bearer token (its "Secret Token").
func TestSCIMReplayEntra(t *testing.T) {
	needSCIM(t)
	steps := scimreplay.Entra()
	forgetUsers(t, scimreplay.UserNames(steps)...)
	scimreplay.Run(t, scimClient("Bearer "+env.SCIM.Token), emulatorPool{}, scimreplay.Vars{"group": scimGroup}, steps)
}

// forgetUsers deletes these users from the shared pool, if there, before
// the test and after it: the guides' sample addresses are fixed, and each
// replay starts from a pool without them, as a first connection does.
func forgetUsers(t *testing.T, emails ...string) {
	t.Helper()
	forget := func() {
		for _, email := range emails {
			_, err := env.Cognito.AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(email)})
			var missing *types.UserNotFoundException
			if err != nil && !errors.As(err, &missing) {
				t.Fatalf("removing %s left by an earlier run: %v", email, err)
			}
		}
	}
	forget()
	t.Cleanup(forget)
}

// The IdP and the admins have separate doors: an administrator's ID token
// does not open SCIM, the SCIM token does not open the admin API, and the
// IdP's changes are in the audit trail under its own name.
func TestSCIMDoors(t *testing.T) {
	needSCIM(t)
	if status, _, body := scimCall(t, "Bearer "+token(t, adminEmail), "GET", "/Users", ""); status != http.StatusUnauthorized && status != http.StatusForbidden {
		t.Fatalf("an admin's ID token at SCIM: %d %s", status, body)
	}
	if status, _, body := scimCall(t, "", "GET", "/Users", ""); status != http.StatusUnauthorized {
		t.Fatalf("no token at SCIM: %d %s", status, body)
	}
	if r := call(t, http.MethodGet, "/users", env.SCIM.Token, "", ""); r.status != http.StatusUnauthorized && r.status != http.StatusForbidden {
		t.Fatalf("the SCIM token at the admin API: %d %s", r.status, r.raw)
	}
	door := uniqueEmail("scim.door")
	status, h, body := scimCall(t, "Bearer "+env.SCIM.Token, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+door+`","active":true}`)
	if status != http.StatusCreated {
		t.Fatalf("create over SCIM: %d %s", status, body)
	}
	// The new user's URL is the endpoint the IdP called (the gateway's host, as API Gateway's Host header gives it).
	var created struct {
		ID   string `json:"id"`
		Meta struct {
			Location string `json:"location"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	if want := gateway.URL + "/scim/v2/Users/" + created.ID; created.Meta.Location != want || h.Get("Location") != want {
		t.Errorf("meta.location %q, Location %q, want %q", created.Meta.Location, h.Get("Location"), want)
	}
	r := asAdmin(t, http.MethodGet, "/audit?actor=scim%3Abearer&action=create", "", "")
	if r.status != http.StatusOK || !strings.Contains(r.raw, `"target":"`+door+`"`) || !strings.Contains(r.raw, `"idp":"`+env.Settings.SCIM.IdPName+`"`) {
		t.Fatalf("the IdP's create in the audit trail: %d %s", r.status, r.raw)
	}
}
