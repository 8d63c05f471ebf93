package scim

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location"`
}

type nameJSON struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type emailJSON struct {
	Value   string `json:"value"`
	Type    string `json:"type"`
	Primary bool   `json:"primary"`
}

type userJSON struct {
	Schemas    []string    `json:"schemas"`
	ID         string      `json:"id"`
	ExternalID string      `json:"externalId,omitempty"`
	UserName   string      `json:"userName"`
	Name       *nameJSON   `json:"name,omitempty"`
	Emails     []emailJSON `json:"emails"`
	Active     bool        `json:"active"`
	Meta       meta        `json:"meta"`
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) location(resource, id string) string {
	return s.BaseURL + "/" + resource + "/" + url.PathEscape(id)
}

func (s *Server) userJSON(u User) any {
	out := userJSON{
		Schemas:    []string{SchemaUser},
		ID:         u.ID,
		ExternalID: u.ExternalID,
		UserName:   u.UserName,
		// The username is the email: one primary work email, always.
		Emails: []emailJSON{{Value: u.UserName, Type: "work", Primary: true}},
		Active: u.Active,
		Meta:   meta{ResourceType: "User", Created: timeText(u.Created), LastModified: timeText(cmp.Or(u.LastModified, u.Created)), Location: s.location("Users", u.ID)},
	}
	if u.GivenName != "" || u.FamilyName != "" {
		out.Name = &nameJSON{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: strings.TrimSpace(u.GivenName + " " + u.FamilyName)}
	}
	return out
}

func (s *Server) userResponse(status int, u User) Response {
	resp := jsonResponse(status, s.userJSON(u))
	if status == http.StatusCreated {
		resp.Headers["Location"] = s.location("Users", u.ID)
	}
	return resp
}

func (s *Server) getUser(ctx context.Context, id string) (Response, error) {
	u, err := s.Ops.GetUser(ctx, id)
	if err != nil {
		return Response{}, err
	}
	return s.userResponse(http.StatusOK, u), nil
}

// listUsers answers GET /Users: every matching user in sight, sorted by
// userName then id, so pages are stable while nobody changes the pool;
// totalResults counts them all (see Operations.Users for what that reads).
func (s *Server) listUsers(ctx context.Context, r Request) (Response, error) {
	p, err := readPaging(r.Query)
	if err != nil {
		return Response{}, err
	}
	raw, err := queryValue(r.Query, "filter")
	if err != nil {
		return Response{}, err
	}
	match, q := func(User) bool { return true }, UserQuery{}
	if raw != "" {
		if match, q, err = userFilter(raw); err != nil {
			return Response{}, err
		}
	}
	users, err := s.Ops.Users(ctx, q)
	if err != nil {
		return Response{}, err
	}
	users = slices.DeleteFunc(users, func(u User) bool { return !match(u) })
	slices.SortFunc(users, func(a, b User) int {
		return cmp.Or(strings.Compare(a.UserName, b.UserName), strings.Compare(a.ID, b.ID))
	})
	return jsonResponse(http.StatusOK, page(users, p, s.userJSON)), nil
}

// userInput is a POST or PUT body's user: the attributes this endpoint
// keeps. Any other attribute (displayName, title, phoneNumbers, the
// enterprise extension…) is accepted and not kept: the pool has no place
// for it (docs/scim.md, "Supported").
type userInput struct {
	userName   string
	externalID *string
	givenName  *string
	familyName *string
	active     *bool
}

func decodeUser(body []byte) (userInput, error) {
	m, err := decodeObject(body)
	if err != nil {
		return userInput{}, err
	}
	var in userInput
	if v, ok := field(m, "userName"); ok {
		if in.userName, err = stringValue("userName", v); err != nil {
			return in, err
		}
	}
	if in.userName == "" {
		return in, badRequest(TypeInvalidValue, "userName is required: the user's email address")
	}
	if in.externalID, err = optionalString(m, "externalId", "externalId"); err != nil {
		return in, err
	}
	if v, ok := field(m, "name"); ok && string(v) != "null" {
		var name map[string]json.RawMessage
		if json.Unmarshal(v, &name) != nil || name == nil {
			return in, badRequest(TypeInvalidValue, "name must be an object")
		}
		if in.givenName, err = optionalString(name, "givenName", "name.givenName"); err != nil {
			return in, err
		}
		if in.familyName, err = optionalString(name, "familyName", "name.familyName"); err != nil {
			return in, err
		}
	}
	if v, ok := field(m, "emails"); ok && string(v) != "null" {
		if err := checkEmails(v, in.userName); err != nil {
			return in, err
		}
	}
	if v, ok := field(m, "active"); ok && string(v) != "null" {
		b, err := boolValue("active", v)
		if err != nil {
			return in, err
		}
		in.active = &b
	}
	return in, nil
}

// checkEmails accepts emails that agree with userName: the username is the
// email, so a primary or work email naming another address would be lost.
func checkEmails(raw json.RawMessage, userName string) error {
	var emails []map[string]json.RawMessage
	if json.Unmarshal(raw, &emails) != nil {
		return badRequest(TypeInvalidValue, "emails must be an array of objects")
	}
	for _, e := range emails {
		v, ok := field(e, "value")
		if !ok {
			continue
		}
		value, err := stringValue("emails.value", v)
		if err != nil {
			return err
		}
		typ, _ := optionalString(e, "type", "emails.type")
		primary := false
		if p, ok := field(e, "primary"); ok {
			primary, _ = boolValue("emails.primary", p)
		}
		work := typ == nil || strings.EqualFold(*typ, "work")
		if (primary || work) && !strings.EqualFold(strings.TrimSpace(value), strings.TrimSpace(userName)) {
			return badRequest(TypeInvalidValue, "the primary (work) email must be the userName: the email is the user's username in the pool")
		}
	}
	return nil
}

func optionalString(m map[string]json.RawMessage, key, name string) (*string, error) {
	v, ok := field(m, key)
	if !ok || string(v) == "null" {
		return nil, nil
	}
	s, err := stringValue(name, v)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func stringValue(name string, raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", badRequest(TypeInvalidValue, "%s must be a string", name)
	}
	return s, nil
}

// boolValue reads a boolean, and the strings "true" and "false" in any
// case: Entra ID sends "False" and "True" in PATCH values.
func boolValue(name string, raw json.RawMessage) (bool, error) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, badRequest(TypeInvalidValue, "%s must be true or false", name)
}

func (s *Server) createUser(ctx context.Context, r Request) (Response, error) {
	in, err := decodeUser(r.Body)
	if err != nil {
		return Response{}, err
	}
	nu := NewUser{UserName: in.userName, Active: in.active == nil || *in.active}
	if in.externalID != nil {
		nu.ExternalID = *in.externalID
	}
	if in.givenName != nil {
		nu.GivenName = *in.givenName
	}
	if in.familyName != nil {
		nu.FamilyName = *in.familyName
	}
	u, err := s.Ops.CreateUser(ctx, nu)
	if err != nil {
		return Response{}, err
	}
	return s.userResponse(http.StatusCreated, u), nil
}

// replaceUser is PUT /Users/{id}: the kept attributes take the body's
// values. The userName cannot change (it is the username); attributes the
// body leaves out are left as they are, as Cognito cannot remove a name.
func (s *Server) replaceUser(ctx context.Context, id string, r Request) (Response, error) {
	in, err := decodeUser(r.Body)
	if err != nil {
		return Response{}, err
	}
	cur, err := s.Ops.GetUser(ctx, id)
	if err != nil {
		return Response{}, err
	}
	if err := sameUserName(cur, in.userName); err != nil {
		return Response{}, err
	}
	return s.change(ctx, cur, UserChange{GivenName: in.givenName, FamilyName: in.familyName, ExternalID: in.externalID, Active: in.active})
}

func sameUserName(cur User, userName string) error {
	if !strings.EqualFold(strings.TrimSpace(userName), cur.UserName) {
		return badRequest(TypeMutability, "userName cannot change: it is the user's email, their username in the pool")
	}
	return nil
}

// change applies what differs from the user as read, and answers the user.
func (s *Server) change(ctx context.Context, cur User, c UserChange) (Response, error) {
	c = c.diff(cur)
	if c.empty() {
		return s.userResponse(http.StatusOK, cur), nil
	}
	u, err := s.Ops.UpdateUser(ctx, cur.ID, c)
	if err != nil {
		return Response{}, err
	}
	return s.userResponse(http.StatusOK, u), nil
}

// diff keeps what would change cur, so a repeated PUT or PATCH changes
// (and audits) nothing.
func (c UserChange) diff(cur User) UserChange {
	same := func(p *string, v string) *string {
		if p != nil && *p == v {
			return nil
		}
		return p
	}
	c.GivenName, c.FamilyName, c.ExternalID = same(c.GivenName, cur.GivenName), same(c.FamilyName, cur.FamilyName), same(c.ExternalID, cur.ExternalID)
	if c.Active != nil && *c.Active == cur.Active {
		c.Active = nil
	}
	return c
}
