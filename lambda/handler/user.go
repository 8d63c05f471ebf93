package handler

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// user is the one shape every route answers a user with.
type user struct {
	// Username is Cognito's username: the sub, as the pool signs users in by email.
	Username  string   `json:"username"`
	Email     string   `json:"email"`
	Status    string   `json:"status"`
	Enabled   bool     `json:"enabled"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
	Groups    []string `json:"groups"`
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
	slices.Sort(u.Groups)
	for _, a := range attrs {
		if aws.ToString(a.Name) == "email" {
			u.Email = aws.ToString(a.Value)
		}
	}
	return u
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

// getUser reads one user and the groups it is in.
func (h *Handler) getUser(ctx context.Context, username string) (user, error) {
	out, err := h.cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &h.settings.UserPoolID, Username: &username})
	if err != nil {
		return user{}, err
	}
	// By the username Cognito resolved, not the alias the caller gave.
	groups, err := h.groupsOf(ctx, cmp.Or(aws.ToString(out.Username), username))
	if err != nil {
		return user{}, err
	}
	return newUser(out.Username, out.UserAttributes, out.UserStatus, out.Enabled, out.UserCreateDate, out.UserLastModifiedDate, groups), nil
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
