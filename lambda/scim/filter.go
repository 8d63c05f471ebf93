package scim

import (
	"regexp"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// The filters the vendors send, and only those (RFC 7644 §3.4.2.2): "eq"
// on userName, externalId, id and the work email for users, on displayName
// and id for groups, joined by "and". Anything else is refused with 400
// invalidFilter rather than answered wrongly: Cognito cannot search custom
// attributes or substrings, and a guessed answer would make an IdP create
// a duplicate or skip a user.

// entraEmail rewrites Entra ID's emails[type eq "work"].value eq "x", which
// RFC 7644's grammar (and the parser) lacks, into the equivalent
// emails[type eq "work" and value eq "x"].
var entraEmail = regexp.MustCompile(`([A-Za-z][\w]*)\[([^\[\]"]*(?:"(?:[^"\\]|\\.)*"[^\[\]"]*)*)\]\.([A-Za-z]\w*)\s+([A-Za-z]{2})\s+("(?:[^"\\]|\\.)*")`)

func parseFilter(raw string) (filter.Expression, error) {
	raw = entraEmail.ReplaceAllString(raw, `$1[$2 and $3 $4 $5]`)
	e, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, badRequest(TypeInvalidFilter, "the filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2)")
	}
	return e, nil
}

func unsupported(what string) *Error {
	return badRequest(TypeInvalidFilter, "unsupported filter %s: this endpoint filters users by userName, externalId, id or emails[type eq \"work\"].value, and groups by displayName or id, with eq and and only", what)
}

// attrName is a filter attribute's name, lower-cased, without the core schema's URN.
func attrName(p filter.AttributePath, schema string) (string, bool) {
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, schema) {
		return "", false
	}
	name := strings.ToLower(p.AttributeName)
	if sub := p.SubAttributeName(); sub != "" {
		name += "." + strings.ToLower(sub)
	}
	return name, true
}

// eqValue is an eq term's string value.
func eqValue(e *filter.AttributeExpression) (string, error) {
	if !strings.EqualFold(string(e.Operator), string(filter.EQ)) {
		return "", unsupported("operator " + strings.ToLower(string(e.Operator)))
	}
	v, ok := e.CompareValue.(string)
	if !ok {
		return "", unsupported("value (a string is expected)")
	}
	return v, nil
}

// userFilter compiles a users' filter into a predicate and the query that
// narrows what Operations.Users reads.
func userFilter(raw string) (func(User) bool, UserQuery, error) {
	e, err := parseFilter(raw)
	if err != nil {
		return nil, UserQuery{}, err
	}
	return userExpr(e)
}

func userExpr(e filter.Expression) (func(User) bool, UserQuery, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil, UserQuery{}, unsupported("operator or")
		}
		lm, lq, err := userExpr(e.Left)
		if err != nil {
			return nil, UserQuery{}, err
		}
		rm, rq, err := userExpr(e.Right)
		if err != nil {
			return nil, UserQuery{}, err
		}
		return func(u User) bool { return lm(u) && rm(u) }, narrower(lq, rq), nil
	case *filter.AttributeExpression:
		name, ok := attrName(e.AttributePath, SchemaUser)
		if !ok {
			return nil, UserQuery{}, unsupported("attribute " + e.AttributePath.String())
		}
		v, err := eqValue(e)
		if err != nil {
			return nil, UserQuery{}, err
		}
		switch name {
		// userName is case-insensitive (RFC 7643 §4.1.1), as the pool's email is.
		case "username", "emails.value", "emails":
			return func(u User) bool { return strings.EqualFold(u.UserName, strings.TrimSpace(v)) }, UserQuery{UserName: v}, nil
		case "externalid":
			return func(u User) bool { return u.ExternalID == v }, UserQuery{ExternalID: v}, nil
		case "id":
			return func(u User) bool { return u.ID == v }, UserQuery{ID: v}, nil
		}
		return nil, UserQuery{}, unsupported("attribute " + e.AttributePath.String())
	case *filter.ValuePath:
		if name, ok := attrName(e.AttributePath, SchemaUser); !ok || name != "emails" {
			return nil, UserQuery{}, unsupported("attribute " + e.AttributePath.String())
		}
		return emailExpr(e.ValueFilter)
	case *filter.NotExpression:
		return nil, UserQuery{}, unsupported("operator not")
	}
	return nil, UserQuery{}, unsupported("expression")
}

// emailExpr reads the filter inside emails[…]: type eq "work" and value eq "…".
func emailExpr(e filter.Expression) (func(User) bool, UserQuery, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil, UserQuery{}, unsupported("operator or")
		}
		lm, lq, err := emailExpr(e.Left)
		if err != nil {
			return nil, UserQuery{}, err
		}
		rm, rq, err := emailExpr(e.Right)
		if err != nil {
			return nil, UserQuery{}, err
		}
		return func(u User) bool { return lm(u) && rm(u) }, narrower(lq, rq), nil
	case *filter.AttributeExpression:
		v, err := eqValue(e)
		if err != nil {
			return nil, UserQuery{}, err
		}
		switch strings.ToLower(e.AttributePath.AttributeName) {
		case "type":
			// The one email is the work email.
			work := strings.EqualFold(v, "work")
			return func(User) bool { return work }, UserQuery{}, nil
		case "value":
			return func(u User) bool { return strings.EqualFold(u.UserName, strings.TrimSpace(v)) }, UserQuery{UserName: v}, nil
		}
		return nil, UserQuery{}, unsupported("attribute emails." + e.AttributePath.AttributeName)
	}
	return nil, UserQuery{}, unsupported("expression in emails[…]")
}

// narrower picks the query that reads least: by id, then email, then externalId (a scan).
func narrower(a, b UserQuery) UserQuery {
	for _, q := range []UserQuery{a, b} {
		if q.ID != "" {
			return UserQuery{ID: q.ID}
		}
	}
	for _, q := range []UserQuery{a, b} {
		if q.UserName != "" {
			return UserQuery{UserName: q.UserName}
		}
	}
	if a.ExternalID != "" {
		return a
	}
	return b
}

// groupFilter compiles a groups' filter: displayName (case-insensitive, as
// RFC 7643 §4.2 declares it) or id, with and.
func groupFilter(raw string) (func(Group) bool, error) {
	e, err := parseFilter(raw)
	if err != nil {
		return nil, err
	}
	return groupExpr(e)
}

func groupExpr(e filter.Expression) (func(Group) bool, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil, unsupported("operator or")
		}
		l, err := groupExpr(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := groupExpr(e.Right)
		if err != nil {
			return nil, err
		}
		return func(g Group) bool { return l(g) && r(g) }, nil
	case *filter.AttributeExpression:
		name, ok := attrName(e.AttributePath, SchemaGroup)
		if !ok {
			return nil, unsupported("attribute " + e.AttributePath.String())
		}
		v, err := eqValue(e)
		if err != nil {
			return nil, err
		}
		switch name {
		case "displayname":
			return func(g Group) bool { return strings.EqualFold(g.Name, v) }, nil
		case "id":
			return func(g Group) bool { return g.Name == v }, nil
		}
		return nil, unsupported("attribute " + e.AttributePath.String())
	}
	return nil, unsupported("expression")
}
