package handler

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// user is the one shape every route answers a user with.
type user struct {
	// Username is Cognito's username: the sub, as the pool signs users in by email.
	Username  string `json:"username"`
	Email     string `json:"email"`
	Status    string `json:"status"`
	Enabled   bool   `json:"enabled"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	// Groups are all the user's groups, sorted; [] for none. Nil (and then
	// absent from the JSON) only on list pages that did not ask for them.
	Groups []string `json:"groups,omitzero"`

	// GivenName and FamilyName are Cognito's given_name and family_name; absent when unset.
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	// Attributes are the user's custom attributes, without the "custom:"
	// prefix, as the strings Cognito stores; always an object.
	Attributes map[string]string `json:"attributes"`
	// MFAEnabled says whether the user has an MFA method turned on. Only
	// answers built from AdminGetUser know it: list pages leave it out
	// rather than guess (ListUsers does not report TOTP).
	MFAEnabled *bool `json:"mfaEnabled,omitempty"`
}

type userBody struct {
	User user `json:"user"`
}

// newUser builds the answer from the fields every Cognito user shape has.
// groups is copied, sorted, and never nil, so clients always see an array.
func newUser(username *string, attrs []types.AttributeType, status types.UserStatusType, enabled bool, created, updated *time.Time, groups []string) user {
	u := user{
		Username:  aws.ToString(username),
		Status:    string(status),
		Enabled:   enabled,
		CreatedAt: timestamp(created),
		UpdatedAt: timestamp(updated),
		Groups:    append([]string{}, groups...),
	}
	u.Attributes = map[string]string{}
	slices.Sort(u.Groups)
	for _, a := range attrs {
		if aws.ToString(a.Name) == "email" {
			u.Email = aws.ToString(a.Value)
		}
		u.readProfile(aws.ToString(a.Name), aws.ToString(a.Value))
	}
	return u
}

// readProfile keeps the attributes the API manages besides the email.
func (u *user) readProfile(name, value string) {
	switch name {
	case "given_name":
		u.GivenName = value
	case "family_name":
		u.FamilyName = value
	default:
		if custom, ok := strings.CutPrefix(name, "custom:"); ok {
			u.Attributes[custom] = value
		}
	}
}

// fromGetUser builds the answer from AdminGetUser, the one read that reports MFA.
func fromGetUser(out *cip.AdminGetUserOutput, groups []string) user {
	u := newUser(out.Username, out.UserAttributes, out.UserStatus, out.Enabled, out.UserCreateDate, out.UserLastModifiedDate, groups)
	u.MFAEnabled = aws.Bool(mfaEnabled(out))
	return u
}

// mfaEnabled: UserMFASettingList names the MFA methods turned on (TOTP here;
// SMS is never configured); MFAOptions is its legacy, SMS-only predecessor.
func mfaEnabled(out *cip.AdminGetUserOutput) bool {
	return len(out.UserMFASettingList) > 0 || len(out.MFAOptions) > 0
}

func fromUserType(t *types.UserType, groups []string) user {
	if t == nil {
		t = &types.UserType{}
	}
	return newUser(t.Username, t.Attributes, t.UserStatus, t.Enabled, t.UserCreateDate, t.UserLastModifiedDate, groups)
}

func timestamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// answerChanged answers a change that went through with the user as read
// before it, changed as the change is known to change them: a failed read
// after it would report a done change as failed, and the client's retry
// would repeat it (a second reset code or temporary password).
// The call's audit record gets the user before and after the change.
func (c *call) answerChanged(u user, change func(*user)) events.APIGatewayProxyResponse {
	u = c.changed(u, change)
	u.UpdatedAt = timestamp(aws.Time(time.Now()))
	return jsonResponse(http.StatusOK, userBody{User: u})
}

// groupsOf follows every page: a user can be in more groups than one page holds.
func (h *Handler) groupsOf(ctx context.Context, username string) ([]string, error) {
	var groups []string
	in := &cip.AdminListGroupsForUserInput{UserPoolId: &h.settings.UserPoolID, Username: &username, Limit: aws.Int32(60)}
	for {
		out, err := h.cognito.AdminListGroupsForUser(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, g := range out.Groups {
			groups = append(groups, aws.ToString(g.GroupName))
		}
		if aws.ToString(out.NextToken) == "" {
			return groups, nil
		}
		in.NextToken = out.NextToken
	}
}
