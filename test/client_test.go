package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// response is an API answer, decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// errorCode is the code of an error in the API's shape, or "".
func (r response) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// message is the message of an error in the API's shape, or "".
func (r response) message() string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// user is the "user" object of a response.
func (r response) user() map[string]any {
	u, _ := r.body["user"].(map[string]any)
	return u
}

// call sends one request through the local gateway.
func call(t *testing.T, method, path, token, contentType, body string) response {
	t.Helper()
	r, err := send(method, path, token, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is call for goroutines, which must not stop the test themselves.
func send(method, path, token, contentType, body string) (response, error) {
	req, err := http.NewRequest(method, gateway.URL+path, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &r.body); err != nil {
			return r, fmt.Errorf("%s %s: body is not JSON: %q", method, path, b)
		}
	}
	return r, nil
}

// asAdmin and asUser call with the seeded users' ID tokens.
func asAdmin(t *testing.T, method, path, contentType, body string) response {
	t.Helper()
	return call(t, method, path, token(t, adminEmail), contentType, body)
}

func createJSON(t *testing.T, body string) response {
	t.Helper()
	return asAdmin(t, http.MethodPost, "/users", "application/json", body)
}

var (
	tokenMu sync.Mutex
	tokens  = map[string]string{}
)

// token signs a seeded user in once, through the admin client with SRP as
// an administrator's tool does, and reuses the ID token.
func token(t *testing.T, email string) string {
	t.Helper()
	tokenMu.Lock()
	defer tokenMu.Unlock()
	if tok, ok := tokens[email]; ok {
		return tok
	}
	tok, err := env.AdminIDToken(context.Background(), email, password)
	if err != nil {
		t.Fatalf("signing in %s: %v", email, err)
	}
	tokens[email] = tok
	return tok
}

// userCount counts the users in the pool, straight from Cognito.
func userCount(t *testing.T) int {
	t.Helper()
	n := 0
	p := cip.NewListUsersPaginator(env.Cognito, &cip.ListUsersInput{UserPoolId: &env.Pool.ID})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Users)
	}
	return n
}

// poolUser reads a user straight from Cognito; nil when there is none.
func poolUser(t *testing.T, email string) *cip.AdminGetUserOutput {
	t.Helper()
	out, err := env.Cognito.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(email)})
	if err != nil {
		return nil
	}
	return out
}

// poolGroups lists a user's groups straight from Cognito.
func poolGroups(t *testing.T, email string) []string {
	t.Helper()
	out, err := env.Cognito.AdminListGroupsForUser(context.Background(), &cip.AdminListGroupsForUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(email)})
	if err != nil {
		t.Fatal(err)
	}
	var gs []string
	for _, g := range out.Groups {
		gs = append(gs, *g.GroupName)
	}
	return gs
}

func attr(u *cip.AdminGetUserOutput, name string) string {
	for _, a := range u.UserAttributes {
		if *a.Name == name {
			return *a.Value
		}
	}
	return ""
}
