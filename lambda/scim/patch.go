package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// patchOp is one operation of a PatchOp body (RFC 7644 §3.5.2), op lower-cased:
// Entra ID sends "Add", "Replace" and "Remove".
type patchOp struct {
	op    string
	path  *filter.Path // nil: no path, the value is an object of attributes
	raw   string       // the path as sent, for messages
	value json.RawMessage
}

func decodePatch(body []byte) ([]patchOp, error) {
	m, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	if v, ok := field(m, "schemas"); ok {
		var schemas []string
		if json.Unmarshal(v, &schemas) != nil || !containsFold(schemas, SchemaPatchOp) {
			return nil, badRequest(TypeInvalidSyntax, "schemas must name %s", SchemaPatchOp)
		}
	}
	raw, ok := field(m, "Operations")
	var list []map[string]json.RawMessage
	if !ok || json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return nil, badRequest(TypeInvalidSyntax, "Operations must be a non-empty array of operations")
	}
	ops := make([]patchOp, 0, len(list))
	for i, o := range list {
		var p patchOp
		v, _ := field(o, "op")
		op, err := stringValue("op", v)
		if err != nil {
			return nil, badRequest(TypeInvalidSyntax, "Operations[%d].op must be add, remove or replace", i)
		}
		p.op = strings.ToLower(op)
		if p.op != "add" && p.op != "remove" && p.op != "replace" {
			return nil, badRequest(TypeInvalidSyntax, "Operations[%d].op must be add, remove or replace, not %q", i, op)
		}
		if v, ok := field(o, "path"); ok && string(v) != "null" {
			if p.raw, err = stringValue("path", v); err != nil {
				return nil, err
			}
		}
		if p.raw != "" {
			path, err := filter.ParsePath([]byte(p.raw))
			if err != nil {
				return nil, badRequest(TypeInvalidPath, "Operations[%d].path %q is not a valid SCIM path", i, p.raw)
			}
			p.path = &path
		}
		p.value, _ = field(o, "value")
		if string(p.value) == "null" {
			p.value = nil
		}
		switch {
		case p.op != "remove" && p.value == nil:
			return nil, badRequest(TypeInvalidValue, "Operations[%d] (%s) has no value", i, p.op)
		case p.op == "remove" && p.path == nil:
			return nil, badRequest(TypeNoTarget, "Operations[%d]: remove needs a path", i)
		}
		ops = append(ops, p)
	}
	return ops, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// pathName is a path's attribute, lower-cased and without the core schema's
// URN ("name.givenname"); ok is false for another schema's attribute (the
// enterprise extension), which this endpoint does not keep.
func pathName(p *filter.Path, schema string) (name string, ok bool) {
	name, ok = attrName(p.AttributePath, schema)
	if sub := p.SubAttributeName(); ok && sub != "" {
		name += "." + strings.ToLower(sub)
	}
	return name, ok
}

// patchUser is PATCH /Users/{id}: the operations are read and checked in
// full before anything changes, then what differs from the user is changed.
func (s *Server) patchUser(ctx context.Context, id string, r Request) (Response, error) {
	ops, err := decodePatch(r.Body)
	if err != nil {
		return Response{}, err
	}
	cur, err := s.Ops.GetUser(ctx, id)
	if err != nil {
		return Response{}, err
	}
	var c UserChange
	for _, op := range ops {
		if op.path == nil {
			// Okta's {"op":"replace","value":{"active":false}}, Entra's path-less
			// {"op":"Replace","value":{"name.givenName":"…"}}: each member is an attribute.
			var attrs map[string]json.RawMessage
			if json.Unmarshal(op.value, &attrs) != nil || attrs == nil {
				return Response{}, badRequest(TypeInvalidValue, "an operation without a path needs an object value")
			}
			for k, v := range attrs {
				name := strings.ToLower(strings.TrimPrefix(strings.ToLower(k), strings.ToLower(SchemaUser)+":"))
				if err := setUser(&c, cur, name, v, false); err != nil {
					return Response{}, err
				}
			}
			continue
		}
		name, ok := pathName(op.path, SchemaUser)
		if !ok {
			continue // another schema's attribute: not kept
		}
		if op.path.ValueExpression != nil {
			// emails[type eq "work"].value: the one email, the userName.
			if !strings.HasPrefix(name, "emails") {
				continue
			}
			if op.op == "remove" {
				return Response{}, badRequest(TypeMutability, "the work email cannot be removed: it is the user's username")
			}
			name = "emails.value"
		}
		if err := setUser(&c, cur, name, op.value, op.op == "remove"); err != nil {
			return Response{}, err
		}
	}
	return s.change(ctx, cur, c)
}

// setUser applies one attribute of a PATCH to the change. Attributes this
// endpoint does not keep are ignored, as are read-only ones (RFC 7644 §3.5.2).
func setUser(c *UserChange, cur User, name string, v json.RawMessage, remove bool) error {
	str := func(dst **string) error {
		if remove {
			return badRequest(TypeMutability, "%s cannot be removed, only replaced: Cognito keeps a value once set", name)
		}
		s, err := stringValue(name, v)
		if err != nil {
			return err
		}
		*dst = &s
		return nil
	}
	switch name {
	case "active":
		if remove {
			return badRequest(TypeMutability, "active cannot be removed: set it to true or false")
		}
		b, err := boolValue("active", v)
		if err != nil {
			return err
		}
		c.Active = &b
	case "name.givenname":
		return str(&c.GivenName)
	case "name.familyname":
		return str(&c.FamilyName)
	case "externalid":
		return str(&c.ExternalID)
	case "name":
		if remove {
			return badRequest(TypeMutability, "name cannot be removed, only replaced")
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil || m == nil {
			return badRequest(TypeInvalidValue, "name must be an object")
		}
		for k, sub := range m {
			if err := setUser(c, cur, "name."+strings.ToLower(k), sub, false); err != nil {
				return err
			}
		}
	case "username", "emails.value":
		s, err := stringValue(name, v)
		if err != nil || remove {
			return badRequest(TypeMutability, "%s cannot be removed", name)
		}
		return sameUserName(cur, s)
	case "emails":
		if remove {
			return badRequest(TypeMutability, "the work email cannot be removed: it is the user's username")
		}
		return checkEmails(v, cur.UserName)
	}
	return nil
}

// memberIDs reads a members value: [{"value": "<id>", "display": …}, …].
func memberIDs(v json.RawMessage) ([]string, error) {
	var list []map[string]json.RawMessage
	if json.Unmarshal(v, &list) != nil {
		return nil, badRequest(TypeInvalidValue, "members must be an array of objects with a value")
	}
	ids := make([]string, 0, len(list))
	for _, m := range list {
		raw, ok := field(m, "value")
		if !ok {
			return nil, badRequest(TypeInvalidValue, "a member has no value (the user's id)")
		}
		id, err := stringValue("members.value", raw)
		if err != nil || id == "" {
			return nil, badRequest(TypeInvalidValue, "a member's value must be a user's id")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// memberFilterID reads members[value eq "<id>"].
func memberFilterID(p *filter.Path) (string, bool) {
	e, ok := p.ValueExpression.(*filter.AttributeExpression)
	if !ok || !strings.EqualFold(e.AttributePath.AttributeName, "value") || e.AttributePath.SubAttribute != nil || p.SubAttribute != nil {
		return "", false
	}
	v, err := eqValue(e)
	return v, err == nil && v != ""
}

// membership is a group's wanted membership, built from PATCH operations
// in order against the members read before: the changes are then the
// difference, so repeating a PATCH changes nothing.
type membership struct {
	order []string        // every id ever named, in first-seen order
	in    map[string]bool // wanted
}

func newMembership(cur []Member) *membership {
	m := &membership{in: map[string]bool{}}
	for _, x := range cur {
		m.set(x.ID, true)
	}
	return m
}

func (m *membership) set(id string, in bool) {
	if _, seen := m.in[id]; !seen {
		m.order = append(m.order, id)
	}
	m.in[id] = in
}

// apply makes the changes from cur to the wanted membership: additions first, in order, then removals.
func (s *Server) applyMembership(ctx context.Context, group string, cur []Member, want *membership) error {
	had := map[string]bool{}
	for _, x := range cur {
		had[x.ID] = true
	}
	for _, id := range want.order {
		if want.in[id] && !had[id] {
			if err := memberError(id, s.Ops.AddMember(ctx, group, id)); err != nil {
				return err
			}
		}
	}
	for _, id := range want.order {
		if !want.in[id] && had[id] {
			if err := memberError(id, s.Ops.RemoveMember(ctx, group, id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// memberError says which member a 404 was about: the group exists, the user does not.
func memberError(id string, err error) error {
	if e, ok := err.(*Error); ok && e.Status == http.StatusNotFound {
		return badRequest(TypeInvalidValue, "member %q is not a user this endpoint can see", id)
	}
	return err
}

// patchGroup is PATCH /Groups/{id}: membership changes (add, remove,
// replace; members[value eq "…"]) and a displayName that must stay the
// group's name. It answers 204, as both vendors' guides show.
func (s *Server) patchGroup(ctx context.Context, id string, r Request) (Response, error) {
	ops, err := decodePatch(r.Body)
	if err != nil {
		return Response{}, err
	}
	g, err := s.findGroup(ctx, id)
	if err != nil {
		return Response{}, err
	}
	cur, err := s.Ops.Members(ctx, g.Name)
	if err != nil {
		return Response{}, err
	}
	want := newMembership(cur)
	for _, op := range ops {
		if op.path == nil {
			var attrs map[string]json.RawMessage
			if json.Unmarshal(op.value, &attrs) != nil || attrs == nil {
				return Response{}, badRequest(TypeInvalidValue, "an operation without a path needs an object value")
			}
			for k, v := range attrs {
				if err := groupAttr(g, want, op.op, strings.ToLower(k), v); err != nil {
					return Response{}, err
				}
			}
			continue
		}
		name, ok := pathName(op.path, SchemaGroup)
		if !ok {
			continue
		}
		if op.path.ValueExpression != nil {
			mid, ok := memberFilterID(op.path)
			if name != "members" || !ok {
				return Response{}, badRequest(TypeInvalidPath, "path %q: only members[value eq \"<id>\"] is supported", op.raw)
			}
			if op.op != "remove" {
				return Response{}, badRequest(TypeInvalidPath, "path %q: %s a filtered member is not supported; add members with path \"members\"", op.raw, op.op)
			}
			want.set(mid, false)
			continue
		}
		if err := groupAttr(g, want, op.op, name, op.value); err != nil {
			return Response{}, err
		}
	}
	if err := s.applyMembership(ctx, g.Name, cur, want); err != nil {
		return Response{}, err
	}
	return Response{Status: http.StatusNoContent, Headers: headers()}, nil
}

// groupAttr applies one attribute of a group PATCH.
func groupAttr(g Group, want *membership, op, name string, v json.RawMessage) error {
	switch name {
	case "members":
		if op == "remove" && v == nil {
			for _, id := range want.order {
				want.set(id, false)
			}
			return nil
		}
		ids, err := memberIDs(v)
		if err != nil {
			return err
		}
		if op == "replace" {
			for _, id := range want.order {
				want.set(id, false)
			}
		}
		for _, id := range ids {
			want.set(id, op != "remove")
		}
	case "displayname":
		s, err := stringValue("displayName", v)
		if err != nil || op == "remove" || s != g.Name {
			return badRequest(TypeMutability, "displayName cannot change: it is the name of one of the pool's groups, which the deployment declares")
		}
	}
	// id, externalId and attributes of other schemas are not kept.
	return nil
}
