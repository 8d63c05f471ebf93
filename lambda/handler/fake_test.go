package handler

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// fakeCognito is an in-memory user pool that behaves like Cognito where the
// handler depends on it: usernames are subs, users are found by sub or by
// email (case-insensitively), unknown users and groups fail with Cognito's
// typed errors, and list calls page. It records every call and can be told to
// fail a method.
//
// It knows the caller: each request opens with the live check of the
// caller's account (one AdminGetUser and the AdminListGroupsForUser pages, on
// the token's username). Those calls are told apart from the route's (see
// record), so methods and recorded show the route's calls only, authCalls
// the check's, errs fails the route's calls and authErrs the check's.
type fakeCognito struct {
	mu     sync.Mutex
	pool   string
	users  map[string]*fakeUser // by lower-case email
	groups map[string]bool      // the groups that exist in the pool
	schema map[string]bool      // the pool's custom attributes, by Cognito name
	seq    int
	calls  []fakeCall
	// errs makes every route call of a method fail with the error; authErrs
	// the caller check's calls.
	errs, authErrs map[string]error
	// phase tells the caller check's calls from the route's; newRequest resets it.
	phase authPhase
	// groupPage is the page size of AdminListGroupsForUser, to exercise paging.
	groupPage int
	// delay, peak and vanish shape AdminListGroupsForUser for the concurrency and deleted-user tests.
	// met, when set, holds each call after the first metSkip until two are
	// in flight at once (or a minute passes: the calls are sequential), so
	// concurrency is seen however the goroutines are scheduled.
	delay          time.Duration
	met            chan struct{}
	metSkip        int
	inflight, peak int
	vanish         string // email of a user deleted just before its groups are read
	// gate, when set, is called with the method's name once a disable, a
	// group removal or a member listing is done, and with "before " and the
	// name before a disable or removal, outside the lock: the race tests hold
	// requests there to interleave them in a chosen order, with channels,
	// not timing.
	gate func(method string)
}

// pass calls the gate, if any, outside the lock.
func (f *fakeCognito) pass(method string) {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		gate(method)
	}
}

type fakeUser struct {
	sub, email string
	status     types.UserStatusType
	enabled    bool
	signOuts   int
	created    time.Time
	groups     map[string]bool
	// profile holds the attributes besides sub and email, by Cognito name; mfa is TOTP's state.
	profile  map[string]string
	mfa      bool
	password string
}

type fakeCall struct {
	method string
	input  any
	auth   bool // made by the caller check
}

// authPhase follows one request's calls: while checking is true, an
// AdminGetUser (the first only) or AdminListGroupsForUser on the username
// the check started with belongs to the check. Any other call is the
// route's and ends the phase: every route's first call is another method or
// names the target by email, never by the caller's token username.
type authPhase struct {
	done     bool
	username string
	got      bool // the check's AdminGetUser was seen
}

var fakeTime = time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))

func newFake(pool string, groups ...string) *fakeCognito {
	f := &fakeCognito{pool: pool, users: map[string]*fakeUser{}, groups: map[string]bool{}, errs: map[string]error{}, authErrs: map[string]error{}, groupPage: 60}
	for _, g := range groups {
		f.groups[g] = true
	}
	return f
}

// seed adds a user without recording a call.
func (f *fakeCognito) seed(email string, status types.UserStatusType, groups ...string) *fakeUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.add(email, status, groups...)
}

func (f *fakeCognito) add(email string, status types.UserStatusType, groups ...string) *fakeUser {
	f.seq++
	u := &fakeUser{sub: fmt.Sprintf("sub-%04d", f.seq), email: strings.ToLower(email), status: status, enabled: true, created: fakeTime, groups: map[string]bool{}, profile: map[string]string{}}
	for _, g := range groups {
		u.groups[g] = true
	}
	f.users[u.email] = u
	return u
}

// newRequest marks the start of a request: its first calls are the caller check's.
func (f *fakeCognito) newRequest() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phase = authPhase{}
}

// record logs the call and returns the injected error, if any. Callers hold f.mu.
func (f *fakeCognito) record(method string, input any) error {
	auth := f.isAuth(method, input)
	f.calls = append(f.calls, fakeCall{method, input, auth})
	if auth {
		return f.authErrs[method]
	}
	return f.errs[method]
}

func (f *fakeCognito) isAuth(method string, input any) bool {
	p := &f.phase
	if p.done {
		return false
	}
	var username string
	switch in := input.(type) {
	case *cip.AdminGetUserInput:
		username = aws.ToString(in.Username)
		if p.got {
			p.done = true
			return false
		}
	case *cip.AdminListGroupsForUserInput:
		username = aws.ToString(in.Username)
	default:
		p.done = true
		return false
	}
	if p.username == "" {
		p.username = username
	}
	if username != p.username {
		p.done = true
		return false
	}
	p.got = p.got || method == "AdminGetUser"
	return true
}

// methods are the route's calls, in order.
func (f *fakeCognito) methods() []string {
	var out []string
	for _, c := range f.recorded() {
		out = append(out, c.method)
	}
	return out
}

// authCalls are the caller check's calls, in order.
func (f *fakeCognito) authCalls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.auth {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeCognito) lastInput(method string) any {
	calls := f.recorded()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].method == method {
			return calls[i].input
		}
	}
	return nil
}

func (f *fakeCognito) find(pool, username *string) (*fakeUser, error) {
	if aws.ToString(pool) != f.pool {
		return nil, &types.ResourceNotFoundException{Message: aws.String("User pool does not exist.")}
	}
	name := aws.ToString(username)
	if u, ok := f.users[strings.ToLower(name)]; ok {
		return u, nil
	}
	for _, u := range f.users {
		if u.sub == name {
			return u, nil
		}
	}
	return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
}

func (u *fakeUser) attrs() []types.AttributeType {
	attrs := []types.AttributeType{
		{Name: aws.String("sub"), Value: aws.String(u.sub)},
		{Name: aws.String("email"), Value: aws.String(u.email)},
		{Name: aws.String("email_verified"), Value: aws.String("true")},
	}
	for _, name := range slices.Sorted(maps.Keys(u.profile)) {
		attrs = append(attrs, types.AttributeType{Name: aws.String(name), Value: aws.String(u.profile[name])})
	}
	return attrs
}

func (u *fakeUser) userType() *types.UserType {
	c := u.created
	return &types.UserType{Username: aws.String(u.sub), Attributes: u.attrs(), UserStatus: u.status, Enabled: u.enabled, UserCreateDate: &c, UserLastModifiedDate: &c}
}

func (f *fakeCognito) AdminCreateUser(_ context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("AdminCreateUser", in); err != nil {
		return nil, err
	}
	if in.MessageAction == types.MessageActionTypeResend {
		u, err := f.find(in.UserPoolId, in.Username)
		if err != nil {
			return nil, err
		}
		if u.status != types.UserStatusTypeForceChangePassword {
			return nil, &types.UnsupportedUserStateException{Message: aws.String("Resend not possible. " + u.sub + " status is not FORCE_CHANGE_PASSWORD")}
		}
		if in.TemporaryPassword != nil {
			u.password = *in.TemporaryPassword
		}
		return &cip.AdminCreateUserOutput{User: u.userType()}, nil
	}
	if _, err := f.find(in.UserPoolId, in.Username); err == nil {
		return nil, &types.UsernameExistsException{Message: aws.String("An account with the given email already exists.")}
	}
	u := f.add(aws.ToString(in.Username), types.UserStatusTypeForceChangePassword)
	return &cip.AdminCreateUserOutput{User: u.userType()}, nil
}

func (f *fakeCognito) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("AdminGetUser", in); err != nil {
		return nil, err
	}
	u, err := f.find(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	t := u.userType()
	out := &cip.AdminGetUserOutput{Username: t.Username, UserAttributes: t.Attributes, UserStatus: t.UserStatus, Enabled: t.Enabled, UserCreateDate: t.UserCreateDate, UserLastModifiedDate: t.UserLastModifiedDate}
	if u.mfa {
		out.UserMFASettingList = []string{"SOFTWARE_TOKEN_MFA"}
		out.PreferredMfaSetting = aws.String("SOFTWARE_TOKEN_MFA")
	}
	return out, nil
}

func (f *fakeCognito) AdminListGroupsForUser(_ context.Context, in *cip.AdminListGroupsForUserInput, _ ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error) {
	f.mu.Lock()
	f.inflight++
	f.peak = max(f.peak, f.inflight)
	met := f.met
	if met != nil && f.metSkip > 0 {
		f.metSkip--
		met = nil
	} else if met != nil && f.peak >= 2 {
		select {
		case <-met:
		default:
			close(met)
		}
	}
	delay := f.delay
	f.mu.Unlock()
	if met != nil {
		select {
		case <-met:
		case <-time.After(time.Minute):
		}
	}
	time.Sleep(delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if err := f.record("AdminListGroupsForUser", in); err != nil {
		return nil, err
	}
	if u, ok := f.users[f.vanish]; ok && u.sub == aws.ToString(in.Username) {
		delete(f.users, u.email)
	}
	u, err := f.find(in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	// Reverse order, so the handler's sorting is what the tests see.
	names := slices.Sorted(maps.Keys(u.groups))
	slices.Reverse(names)
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	end := min(start+min(f.groupPage, int(aws.ToInt32(in.Limit))), len(names))
	out := &cip.AdminListGroupsForUserOutput{}
	for _, g := range names[start:end] {
		out.Groups = append(out.Groups, types.GroupType{GroupName: aws.String(g)})
	}
	if end < len(names) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// ListUsers pages through the users by email and understands the two filters the handler sends.
func (f *fakeCognito) ListUsers(_ context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListUsers", in); err != nil {
		return nil, err
	}
	if aws.ToString(in.UserPoolId) != f.pool {
		return nil, &types.ResourceNotFoundException{Message: aws.String("User pool does not exist.")}
	}
	if err := cognitoLimit(in.Limit); err != nil {
		return nil, err
	}
	var match []*fakeUser
	for _, email := range slices.Sorted(maps.Keys(f.users)) {
		u := f.users[email]
		filter := aws.ToString(in.Filter)
		if s, ok := strings.CutPrefix(filter, `cognito:user_status = "`); ok && string(u.status) != strings.TrimSuffix(s, `"`) {
			continue
		}
		if p, ok := strings.CutPrefix(filter, `email ^= "`); ok && !strings.HasPrefix(u.email, strings.TrimSuffix(p, `"`)) {
			continue
		}
		if e, ok := strings.CutPrefix(filter, `email = "`); ok && u.email != strings.TrimSuffix(e, `"`) {
			continue
		}
		if sub, ok := strings.CutPrefix(filter, `sub = "`); ok && u.sub != strings.TrimSuffix(sub, `"`) {
			continue
		}
		match = append(match, u)
	}
	start := 0
	if t := aws.ToString(in.PaginationToken); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "page:"))
		// Out-of-range pages too: Cognito refuses a token it did not issue rather than failing.
		if err != nil || n < 0 || n > len(match) {
			return nil, &types.InvalidParameterException{Message: aws.String("bad pagination token")}
		}
		start = n
	}
	end := min(start+int(aws.ToInt32(in.Limit)), len(match))
	out := &cip.ListUsersOutput{}
	for _, u := range match[start:end] {
		out.Users = append(out.Users, *u.userType())
	}
	if end < len(match) {
		out.PaginationToken = aws.String("page:" + strconv.Itoa(end))
	}
	return out, nil
}

func (f *fakeCognito) AdminDisableUser(_ context.Context, in *cip.AdminDisableUserInput, _ ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	f.pass("before AdminDisableUser")
	err := f.update("AdminDisableUser", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		u.enabled = false
		return nil
	})
	f.pass("AdminDisableUser")
	if err != nil {
		return nil, err
	}
	return &cip.AdminDisableUserOutput{}, nil
}

func (f *fakeCognito) AdminEnableUser(_ context.Context, in *cip.AdminEnableUserInput, _ ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error) {
	if err := f.update("AdminEnableUser", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		u.enabled = true
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminEnableUserOutput{}, nil
}

func (f *fakeCognito) AdminDeleteUser(_ context.Context, in *cip.AdminDeleteUserInput, _ ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error) {
	if err := f.update("AdminDeleteUser", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		delete(f.users, u.email)
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminDeleteUserOutput{}, nil
}

func (f *fakeCognito) AdminAddUserToGroup(_ context.Context, in *cip.AdminAddUserToGroupInput, _ ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error) {
	if err := f.update("AdminAddUserToGroup", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		if !f.groups[aws.ToString(in.GroupName)] {
			return &types.ResourceNotFoundException{Message: aws.String("Group not found.")}
		}
		u.groups[aws.ToString(in.GroupName)] = true
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminAddUserToGroupOutput{}, nil
}

func (f *fakeCognito) AdminRemoveUserFromGroup(_ context.Context, in *cip.AdminRemoveUserFromGroupInput, _ ...func(*cip.Options)) (*cip.AdminRemoveUserFromGroupOutput, error) {
	f.pass("before AdminRemoveUserFromGroup")
	err := f.update("AdminRemoveUserFromGroup", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		if !f.groups[aws.ToString(in.GroupName)] {
			return &types.ResourceNotFoundException{Message: aws.String("Group not found.")}
		}
		delete(u.groups, aws.ToString(in.GroupName))
		return nil
	})
	f.pass("AdminRemoveUserFromGroup")
	if err != nil {
		return nil, err
	}
	return &cip.AdminRemoveUserFromGroupOutput{}, nil
}

func (f *fakeCognito) AdminUserGlobalSignOut(_ context.Context, in *cip.AdminUserGlobalSignOutInput, _ ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	if err := f.update("AdminUserGlobalSignOut", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		u.signOuts++
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminUserGlobalSignOutOutput{}, nil
}

// update records a call on one existing user and applies change to it.
func (f *fakeCognito) update(method string, in any, pool, username *string, change func(*fakeUser) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(method, in); err != nil {
		return err
	}
	u, err := f.find(pool, username)
	if err != nil {
		return err
	}
	return change(u)
}

// cognitoLimit refuses what Cognito refuses: a list call asking for more than 60 users.
func cognitoLimit(limit *int32) error {
	if n := aws.ToInt32(limit); n < 0 || n > 60 {
		return &types.InvalidParameterException{Message: aws.String("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60")}
	}
	return nil
}
