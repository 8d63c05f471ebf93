package scim

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// fakeOps is an in-memory Operations: users by id, groups with members,
// and a log of every change, so tests see exactly what the endpoint asked for.
type fakeOps struct {
	users   map[string]*User
	groups  []Group
	members map[string][]string // group → user ids, in insertion order
	changes []string
	queries []UserQuery
	seq     int
	// fail, when set, fails the named method with the error.
	fail map[string]error
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newFakeOps(groups ...string) *fakeOps {
	f := &fakeOps{users: map[string]*User{}, members: map[string][]string{}, fail: map[string]error{}}
	for _, g := range groups {
		f.groups = append(f.groups, Group{Name: g, Created: created})
	}
	return f
}

func (f *fakeOps) seed(email string, active bool) *User {
	f.seq++
	u := &User{ID: fmt.Sprintf("0000000%d-aaaa-4bbb-8ccc-dddddddddddd", f.seq), UserName: email, Active: active, Created: created, LastModified: created}
	f.users[u.ID] = u
	return u
}

func (f *fakeOps) CreateUser(_ context.Context, nu NewUser) (User, error) {
	if err := f.fail["CreateUser"]; err != nil {
		return User{}, err
	}
	for _, u := range f.users {
		if strings.EqualFold(u.UserName, nu.UserName) {
			return User{}, &Error{Status: http.StatusConflict, ScimType: TypeUniqueness, Detail: "a user with this email already exists"}
		}
	}
	u := f.seed(strings.ToLower(nu.UserName), nu.Active)
	u.ExternalID, u.GivenName, u.FamilyName = nu.ExternalID, nu.GivenName, nu.FamilyName
	f.changes = append(f.changes, "create "+u.UserName)
	return *u, nil
}

func (f *fakeOps) GetUser(_ context.Context, id string) (User, error) {
	u, ok := f.users[id]
	if !ok {
		return User{}, NotFound("user")
	}
	return *u, nil
}

func (f *fakeOps) Users(_ context.Context, q UserQuery) ([]User, error) {
	if err := f.fail["Users"]; err != nil {
		return nil, err
	}
	f.queries = append(f.queries, q)
	var out []User
	for _, u := range f.users {
		out = append(out, *u)
	}
	return out, nil
}

func (f *fakeOps) UpdateUser(_ context.Context, id string, c UserChange) (User, error) {
	u, ok := f.users[id]
	if !ok {
		return User{}, NotFound("user")
	}
	var parts []string
	if c.GivenName != nil {
		u.GivenName = *c.GivenName
		parts = append(parts, "givenName="+*c.GivenName)
	}
	if c.FamilyName != nil {
		u.FamilyName = *c.FamilyName
		parts = append(parts, "familyName="+*c.FamilyName)
	}
	if c.ExternalID != nil {
		u.ExternalID = *c.ExternalID
		parts = append(parts, "externalId="+*c.ExternalID)
	}
	if c.Active != nil {
		u.Active = *c.Active
		parts = append(parts, fmt.Sprintf("active=%v", *c.Active))
	}
	f.changes = append(f.changes, "update "+u.UserName+" "+strings.Join(parts, " "))
	return *u, nil
}

func (f *fakeOps) DeleteUser(_ context.Context, id string) error {
	u, ok := f.users[id]
	if !ok {
		return NotFound("user")
	}
	delete(f.users, id)
	f.changes = append(f.changes, "delete "+u.UserName)
	return nil
}

func (f *fakeOps) Groups(context.Context) ([]Group, error) { return slices.Clone(f.groups), nil }

func (f *fakeOps) Members(_ context.Context, group string) ([]Member, error) {
	var out []Member
	for _, id := range f.members[group] {
		out = append(out, Member{ID: id, UserName: f.users[id].UserName})
	}
	return out, nil
}

func (f *fakeOps) AddMember(_ context.Context, group, id string) error {
	u, ok := f.users[id]
	if !ok {
		return NotFound("user")
	}
	f.members[group] = append(f.members[group], id)
	f.changes = append(f.changes, "add "+u.UserName+" to "+group)
	return nil
}

func (f *fakeOps) RemoveMember(_ context.Context, group, id string) error {
	u, ok := f.users[id]
	if !ok {
		return NotFound("user")
	}
	f.members[group] = slices.DeleteFunc(f.members[group], func(x string) bool { return x == id })
	f.changes = append(f.changes, "remove "+u.UserName+" from "+group)
	return nil
}
