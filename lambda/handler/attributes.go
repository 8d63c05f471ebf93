package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// maxName is the longest givenName or familyName accepted, in characters.
const maxName = 256

// update handles PATCH /users/{email}: it sets givenName, familyName and the
// configured custom attributes the body names, and leaves the rest as is.
// Every field is checked before Cognito is called, so a refused body changes
// nothing. The email is the username and is not changed here.
func (h *Handler) update(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	declared := h.settings.CustomAttributes
	if c.caller.idp != "" {
		// The SCIM principal also keeps the user's externalId (scim.go); admins may not set it.
		declared = append(slices.Clone(declared), settings.SCIMExternalID)
	}
	attrs, changed, err := decodeUpdate(c.req, declared)
	if err != nil {
		return none, err
	}
	c.extra = append(c.extra, slog.Any("changed", changed)) // names only: values are personal data
	// Read before the change, which is answered from it (see answerChanged).
	u, _, err := h.act(ctx, c, access.UsersEdit)
	if err != nil {
		return none, err
	}
	if _, err := h.cognito.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: &h.settings.UserPoolID, Username: &c.target, UserAttributes: attrs,
	}); err != nil {
		return none, err
	}
	return c.answerChanged(u, func(u *user) {
		for _, a := range attrs {
			u.readProfile(aws.ToString(a.Name), aws.ToString(a.Value))
		}
	}), nil
}

// decodeUpdate reads a PATCH body into Cognito attributes, in a fixed order
// (givenName, familyName, then custom attributes by name), and the API
// names of what it changes. Unknown fields and undeclared attributes are
// all named in one answer, so a client fixes them in one go.
func decodeUpdate(req events.APIGatewayProxyRequest, declared []settings.CustomAttribute) ([]types.AttributeType, []string, error) {
	fields, err := jsonObject(req, "a JSON object with givenName, familyName or attributes")
	if err != nil {
		return nil, nil, err
	}
	var names, custom []types.AttributeType
	var changed, unknown, undeclared []string
	for _, f := range fields {
		switch f.key {
		case "givenName", "familyName":
			v, err := nameValue(f.key, f.raw)
			if err != nil {
				return nil, nil, err
			}
			cognito := map[string]string{"givenName": "given_name", "familyName": "family_name"}[f.key]
			names = append(names, types.AttributeType{Name: aws.String(cognito), Value: &v})
			changed = append(changed, f.key)
		case "attributes":
			members, err := objectFields(f.raw, "attributes")
			if err != nil {
				return nil, nil, err
			}
			for _, m := range members {
				a, ok := settingsAttribute(declared, m.key)
				if !ok {
					undeclared = append(undeclared, m.key)
					continue
				}
				var v *string
				if json.Unmarshal(m.raw, &v) != nil || v == nil {
					return nil, nil, badRequest("attributes.%s must be a string (values cannot be removed, only replaced)", m.key)
				}
				if err := a.Check(*v); err != nil {
					return nil, nil, badRequest("attributes.%s %v", m.key, err)
				}
				custom = append(custom, types.AttributeType{Name: aws.String(a.CognitoName()), Value: v})
			}
		default:
			unknown = append(unknown, f.key)
		}
	}
	if len(unknown) > 0 {
		msg := "unknown field(s) " + quoted(unknown) + ": PATCH changes givenName, familyName and attributes"
		if slices.Contains(unknown, "email") {
			msg += " (the email is the username and cannot be changed)"
		}
		return nil, nil, badRequest("%s", msg)
	}
	if len(undeclared) > 0 {
		var names []string
		for _, a := range declared {
			names = append(names, a.Name)
		}
		allowed := "none are configured"
		if len(names) > 0 {
			allowed = "the configured ones are " + quoted(names)
		}
		return nil, nil, badRequest("unknown attribute(s) %s: %s", quoted(undeclared), allowed)
	}
	slices.SortFunc(custom, func(a, b types.AttributeType) int { return strings.Compare(*a.Name, *b.Name) })
	for _, a := range custom {
		changed = append(changed, "attributes."+strings.TrimPrefix(*a.Name, "custom:"))
	}
	all := append(names, custom...)
	if len(all) == 0 {
		return nil, nil, badRequest("the body changes nothing: give givenName, familyName or attributes")
	}
	slices.Sort(changed)
	return all, changed, nil
}

func settingsAttribute(declared []settings.CustomAttribute, name string) (settings.CustomAttribute, bool) {
	return settings.Settings{CustomAttributes: declared}.Attribute(name)
}

// nameValue checks a givenName or familyName: text people read, so no
// control characters, no replaced (invalid) characters and no stray spaces.
func nameValue(key string, raw json.RawMessage) (string, error) {
	var v *string
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return "", badRequest("%s must be a string (it cannot be removed, only replaced)", key)
	}
	s := *v
	switch n := utf8.RuneCountInString(s); {
	case n < 1 || n > maxName:
		return "", badRequest("%s must be 1 to %d characters long", key, maxName)
	case strings.ContainsRune(s, utf8.RuneError):
		return "", badRequest("%s is not valid text", key)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != '\u200d' }) >= 0:
		return "", badRequest("%s must not contain control or invisible formatting characters", key)
	case strings.TrimSpace(s) != s:
		return "", badRequest("%s must not begin or end with whitespace", key)
	}
	return s, nil
}

// quoted lists names as "a", "b", sorted.
func quoted(names []string) string {
	out := slices.Clone(names)
	slices.Sort(out)
	for i, n := range out {
		b, _ := json.Marshal(n) // a string always marshals
		out[i] = string(b)
	}
	return strings.Join(out, ", ")
}
