package scim

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

type memberJSON struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref"`
}

type groupJSON struct {
	Schemas     []string      `json:"schemas"`
	ID          string        `json:"id"`
	DisplayName string        `json:"displayName"`
	Members     *[]memberJSON `json:"members,omitempty"`
	Meta        meta          `json:"meta"`
}

func (s *Server) groupJSON(g Group, members []Member, withMembers bool) groupJSON {
	out := groupJSON{
		Schemas: []string{SchemaGroup}, ID: g.Name, DisplayName: g.Name,
		Meta: meta{ResourceType: "Group", Created: timeText(g.Created), LastModified: timeText(cmp.Or(g.LastModified, g.Created)), Location: s.location("Groups", g.Name)},
	}
	if withMembers {
		list := make([]memberJSON, 0, len(members))
		for _, m := range members {
			list = append(list, memberJSON{Value: m.ID, Display: m.UserName, Ref: s.location("Users", m.ID)})
		}
		out.Members = &list
	}
	return out
}

// wantsMembers reads attributes and excludedAttributes (RFC 7644 §3.4.2.5)
// as far as they matter here: members cost a listing per group, and Entra
// ID asks for groups with excludedAttributes=members.
func wantsMembers(q url.Values) (bool, error) {
	has := func(key string) (bool, bool, error) {
		v, err := queryValue(q, key)
		if err != nil || v == "" {
			return false, false, err
		}
		for a := range strings.SplitSeq(v, ",") {
			a = strings.ToLower(strings.TrimSpace(a))
			a = strings.TrimPrefix(a, strings.ToLower(SchemaGroup)+":")
			if a == "members" || strings.HasPrefix(a, "members.") {
				return true, true, nil
			}
		}
		return true, false, nil
	}
	given, named, err := has("excludedAttributes")
	if err != nil || (given && named) {
		return false, err
	}
	given, named, err = has("attributes")
	if err != nil {
		return false, err
	}
	return !given || named, nil
}

// findGroup finds a group the principal may see by its id, the group's name.
func (s *Server) findGroup(ctx context.Context, id string) (Group, error) {
	groups, err := s.Ops.Groups(ctx)
	if err != nil {
		return Group{}, err
	}
	if i := slices.IndexFunc(groups, func(g Group) bool { return g.Name == id }); i >= 0 {
		return groups[i], nil
	}
	return Group{}, NotFound("group")
}

func (s *Server) groupResponse(ctx context.Context, status int, g Group, withMembers bool) (Response, error) {
	var members []Member
	if withMembers {
		var err error
		if members, err = s.Ops.Members(ctx, g.Name); err != nil {
			return Response{}, err
		}
		slices.SortFunc(members, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	}
	resp := jsonResponse(status, s.groupJSON(g, members, withMembers))
	if status == http.StatusCreated {
		resp.Headers["Location"] = s.location("Groups", g.Name)
	}
	return resp, nil
}

func (s *Server) getGroup(ctx context.Context, id string, r Request) (Response, error) {
	withMembers, err := wantsMembers(r.Query)
	if err != nil {
		return Response{}, err
	}
	g, err := s.findGroup(ctx, id)
	if err != nil {
		return Response{}, err
	}
	return s.groupResponse(ctx, http.StatusOK, g, withMembers)
}

// listGroups answers GET /Groups: the groups in Operations.Groups' order,
// which is the deployment's; totalResults counts them all.
func (s *Server) listGroups(ctx context.Context, r Request) (Response, error) {
	p, err := readPaging(r.Query)
	if err != nil {
		return Response{}, err
	}
	withMembers, err := wantsMembers(r.Query)
	if err != nil {
		return Response{}, err
	}
	raw, err := queryValue(r.Query, "filter")
	if err != nil {
		return Response{}, err
	}
	match := func(Group) bool { return true }
	if raw != "" {
		if match, err = groupFilter(raw); err != nil {
			return Response{}, err
		}
	}
	groups, err := s.Ops.Groups(ctx)
	if err != nil {
		return Response{}, err
	}
	groups = slices.DeleteFunc(groups, func(g Group) bool { return !match(g) })
	// Members are read for the page's groups only.
	list := page(groups, p, func(g Group) any { return g })
	for i, v := range list.Resources {
		g := v.(Group)
		var members []Member
		if withMembers {
			if members, err = s.Ops.Members(ctx, g.Name); err != nil {
				return Response{}, err
			}
			slices.SortFunc(members, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
		}
		list.Resources[i] = s.groupJSON(g, members, withMembers)
	}
	return jsonResponse(http.StatusOK, list), nil
}

type groupInput struct {
	displayName string
	members     []string
	hasMembers  bool
}

func decodeGroup(body []byte) (groupInput, error) {
	m, err := decodeObject(body)
	if err != nil {
		return groupInput{}, err
	}
	var in groupInput
	if v, ok := field(m, "displayName"); ok {
		if in.displayName, err = stringValue("displayName", v); err != nil {
			return in, err
		}
	}
	if v, ok := field(m, "members"); ok && string(v) != "null" {
		if in.members, err = memberIDs(v); err != nil {
			return in, err
		}
		in.hasMembers = true
	}
	return in, nil
}

// createGroup is POST /Groups. Cognito groups are the deployment's (its
// managed groups), so nothing is created: a displayName naming a group the
// principal may manage links to it (201, its members then include the
// body's), as Okta's Group Push and Entra ID's group provisioning expect;
// any other name is refused with 400, saying which groups exist.
func (s *Server) createGroup(ctx context.Context, r Request) (Response, error) {
	in, err := decodeGroup(r.Body)
	if err != nil {
		return Response{}, err
	}
	if in.displayName == "" {
		return Response{}, badRequest(TypeInvalidValue, "displayName is required")
	}
	groups, err := s.Ops.Groups(ctx)
	if err != nil {
		return Response{}, err
	}
	i := slices.IndexFunc(groups, func(g Group) bool { return g.Name == in.displayName })
	if i < 0 {
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = g.Name
		}
		b, _ := json.Marshal(names) // strings: cannot fail
		return Response{}, badRequest(TypeInvalidValue,
			"groups cannot be created over SCIM: the pool's groups are the deployment's managed groups; push one of %s (names are case-sensitive)", b)
	}
	g := groups[i]
	if len(in.members) > 0 {
		cur, err := s.Ops.Members(ctx, g.Name)
		if err != nil {
			return Response{}, err
		}
		want := newMembership(cur)
		for _, id := range in.members {
			want.set(id, true)
		}
		if err := s.applyMembership(ctx, g.Name, cur, want); err != nil {
			return Response{}, err
		}
	}
	return s.groupResponse(ctx, http.StatusCreated, g, true)
}

// replaceGroup is PUT /Groups/{id}: the members become the body's; the displayName must stay.
func (s *Server) replaceGroup(ctx context.Context, id string, r Request) (Response, error) {
	in, err := decodeGroup(r.Body)
	if err != nil {
		return Response{}, err
	}
	g, err := s.findGroup(ctx, id)
	if err != nil {
		return Response{}, err
	}
	if in.displayName != "" && in.displayName != g.Name {
		return Response{}, badRequest(TypeMutability, "displayName cannot change: it is the name of one of the pool's groups, which the deployment declares")
	}
	if in.hasMembers {
		cur, err := s.Ops.Members(ctx, g.Name)
		if err != nil {
			return Response{}, err
		}
		want := newMembership(cur)
		for _, m := range cur {
			want.set(m.ID, false)
		}
		for _, id := range in.members {
			want.set(id, true)
		}
		if err := s.applyMembership(ctx, g.Name, cur, want); err != nil {
			return Response{}, err
		}
	}
	return s.groupResponse(ctx, http.StatusOK, g, true)
}
