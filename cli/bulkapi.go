package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/cli/bulk"
)

// bulkAPI adapts the generated client to the bulk engine: every answer,
// success or not, becomes a bulk.Answer the engine decides on; only a
// request that got no answer is an error. The ID token is the API's,
// renewed between requests, since an import can outlast one token.
type bulkAPI struct{ x *API }

var _ bulk.API = bulkAPI{}

// NoSession is the code of a 401 answer, from the API or from a session that could not be renewed.
const NoSession = "NoSession"

func (a *app) bulkAPI(ctx context.Context) (bulkAPI, error) {
	x, err := a.api(ctx)
	return bulkAPI{x}, err
}

// call sends one request built by send.
func (b bulkAPI) call(ctx context.Context, send func() (*http.Response, error)) ([]byte, bulk.Answer, error) {
	// The token is renewed here, before the request, so that a session that
	// cannot be renewed is an answer (nothing was sent), not a lost request
	// the engine would go and reconcile.
	if _, err := b.x.idToken(ctx); err != nil {
		return nil, bulk.Answer{Status: http.StatusUnauthorized, Code: NoSession, Message: err.Error()}, nil
	}
	resp, err := send()
	if err != nil {
		return nil, bulk.Answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		// The status arrived but not the body: as good as a lost answer.
		return nil, bulk.Answer{}, err
	}
	return body, answerOf(resp, body), nil
}

// answerOf reads what the engine decides on from a response.
func answerOf(resp *http.Response, body []byte) bulk.Answer {
	a := bulk.Answer{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Amzn-Requestid")}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		a.Date = d
	}
	if ra := strings.TrimSpace(resp.Header.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			a.RetryAfter = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			a.RetryAfter = max(time.Until(t), 0)
		}
	}
	if resp.StatusCode < 300 {
		return a
	}
	var e client.Error
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		a.Code, a.Message = e.Error.Code, e.Error.Message
		if e.RequestId != "" {
			a.RequestID = e.RequestId
		}
		return a
	}
	// API Gateway's own answers (the authorizer's 401, throttling) are {"message": "…"}.
	var m struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &m)
	a.Code, a.Message = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", ""), m.Message
	if resp.StatusCode == http.StatusUnauthorized {
		a.Code = NoSession
	}
	if a.Message == "" {
		a.Message = http.StatusText(resp.StatusCode)
	}
	return a
}

func toBulkUser(u client.User) bulk.User {
	return bulk.User{
		Username: u.Username, Email: u.Email, Status: string(u.Status), Enabled: u.Enabled,
		CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: u.UpdatedAt.UTC().Format(time.RFC3339),
		Groups: deref(u.Groups), GivenName: u.GivenName, FamilyName: u.FamilyName, Attributes: u.Attributes,
	}
}

func (b bulkAPI) userAnswer(body []byte, a bulk.Answer, err error) (*bulk.User, bulk.Answer, error) {
	if err != nil || a.Status >= 300 {
		return nil, a, err
	}
	var r client.UserResponse
	if err := json.Unmarshal(body, &r); err != nil {
		// A 2xx whose body is unreadable says nothing certain about the user: treat as lost.
		return nil, bulk.Answer{}, err
	}
	u := toBulkUser(r.User)
	return &u, a, nil
}

func (b bulkAPI) CreateUser(ctx context.Context, c bulk.Create) (*bulk.User, bulk.Answer, error) {
	req := client.CreateUserRequest{Email: c.Email, SendInvitation: c.SendInvitation, TemporaryPassword: c.TemporaryPassword}
	if len(c.Groups) > 0 {
		req.Groups = &c.Groups
	}
	return b.userAnswer(b.call(ctx, func() (*http.Response, error) { return b.x.Client.CreateUser(ctx, req) }))
}

func (b bulkAPI) GetUser(ctx context.Context, email string) (*bulk.User, bulk.Answer, error) {
	return b.userAnswer(b.call(ctx, func() (*http.Response, error) { return b.x.Client.GetUser(ctx, email) }))
}

// exportPageSize is the API's largest page without groups: fewest requests
// against the throttle, and fewest live checks of the caller (two Cognito
// reads each) per user.
const exportPageSize = 600

// ListUsers reads one page of users without their groups, for the export,
// which knows them from the managed groups' members.
func (b bulkAPI) ListUsers(ctx context.Context, status, next string) ([]bulk.User, string, bulk.Answer, error) {
	limit, groups := exportPageSize, false
	params := client.ListUsersParams{Limit: &limit, Groups: &groups}
	if status != "" {
		s := client.UserStatus(status)
		params.Status = &s
	}
	if next != "" {
		params.NextToken = &next
	}
	return b.userPage(b.call(ctx, func() (*http.Response, error) { return b.x.Client.ListUsers(ctx, &params) }))
}

var _ bulk.Exporter = bulkAPI{}

// ListGroupMembers reads one page of a managed group's members, without their groups.
func (b bulkAPI) ListGroupMembers(ctx context.Context, group, next string) ([]bulk.User, string, bulk.Answer, error) {
	limit, groups := exportPageSize, false
	params := client.ListGroupMembersParams{Limit: &limit, Groups: &groups}
	if next != "" {
		params.NextToken = &next
	}
	return b.userPage(b.call(ctx, func() (*http.Response, error) { return b.x.Client.ListGroupMembers(ctx, group, &params) }))
}

// userPage reads a {"users": […], "nextToken": …} answer.
func (b bulkAPI) userPage(body []byte, a bulk.Answer, err error) ([]bulk.User, string, bulk.Answer, error) {
	if err != nil || a.Status >= 300 {
		return nil, "", a, err
	}
	var page client.UserList
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", bulk.Answer{}, err
	}
	users := make([]bulk.User, len(page.Users))
	for i, u := range page.Users {
		users[i] = toBulkUser(u)
	}
	return users, deref(page.NextToken), a, nil
}

var _ bulk.GroupLister = bulkAPI{}

// ManagedGroups lists the groups admins may manage (GET /groups), so an
// import refuses a row naming another group before anything is sent.
func (b bulkAPI) ManagedGroups(ctx context.Context) ([]string, bulk.Answer, error) {
	body, a, err := b.call(ctx, func() (*http.Response, error) { return b.x.Client.ListGroups(ctx) })
	if err != nil || a.Status >= 300 {
		return nil, a, err
	}
	var l client.GroupList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, bulk.Answer{}, err
	}
	names := make([]string, 0, len(l.Groups))
	for _, g := range l.Groups {
		names = append(names, g.Name)
	}
	return names, a, nil
}
