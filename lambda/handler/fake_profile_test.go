package handler

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The fake's calls for groups, passwords, MFA and attributes, each behaving
// like Cognito where the handler relies on it.

// ListGroups pages through the pool's groups by name, groupPage at a time.
func (f *fakeCognito) ListGroups(_ context.Context, in *cip.ListGroupsInput, _ ...func(*cip.Options)) (*cip.ListGroupsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListGroups", in); err != nil {
		return nil, err
	}
	if aws.ToString(in.UserPoolId) != f.pool {
		return nil, &types.ResourceNotFoundException{Message: aws.String("User pool does not exist.")}
	}
	names := slices.Sorted(maps.Keys(f.groups))
	start, _ := strconv.Atoi(aws.ToString(in.NextToken))
	end := min(start+min(f.groupPage, int(aws.ToInt32(in.Limit))), len(names))
	out := &cip.ListGroupsOutput{}
	for i, g := range names[start:end] {
		out.Groups = append(out.Groups, types.GroupType{GroupName: aws.String(g), Description: aws.String("the " + g + " group"), Precedence: aws.Int32(int32(start + i))})
	}
	if end < len(names) {
		out.NextToken = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// ListUsersInGroup pages through a group's members by email.
func (f *fakeCognito) ListUsersInGroup(ctx context.Context, in *cip.ListUsersInGroupInput, opts ...func(*cip.Options)) (*cip.ListUsersInGroupOutput, error) {
	out, err := f.listUsersInGroup(ctx, in, opts...)
	// After the read, so a race test can hold two reads until both are made.
	f.pass("ListUsersInGroup")
	return out, err
}

func (f *fakeCognito) listUsersInGroup(_ context.Context, in *cip.ListUsersInGroupInput, _ ...func(*cip.Options)) (*cip.ListUsersInGroupOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ListUsersInGroup", in); err != nil {
		return nil, err
	}
	if aws.ToString(in.UserPoolId) != f.pool {
		return nil, &types.ResourceNotFoundException{Message: aws.String("User pool does not exist.")}
	}
	if err := cognitoLimit(in.Limit); err != nil {
		return nil, err
	}
	group := aws.ToString(in.GroupName)
	if !f.groups[group] {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Group not found.")}
	}
	var members []*fakeUser
	for _, email := range slices.Sorted(maps.Keys(f.users)) {
		if u := f.users[email]; u.groups[group] {
			members = append(members, u)
		}
	}
	start := 0
	if t := aws.ToString(in.NextToken); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "members:"))
		if err != nil || n < 0 || n > len(members) {
			return nil, &types.InvalidParameterException{Message: aws.String("bad pagination token")}
		}
		start = n
	}
	end := min(start+int(aws.ToInt32(in.Limit)), len(members))
	out := &cip.ListUsersInGroupOutput{}
	for _, u := range members[start:end] {
		out.Users = append(out.Users, *u.userType())
	}
	if end < len(members) {
		out.NextToken = aws.String("members:" + strconv.Itoa(end))
	}
	return out, nil
}

// AdminResetUserPassword refuses what Cognito refuses: a disabled user, or one without a password of their own.
func (f *fakeCognito) AdminResetUserPassword(_ context.Context, in *cip.AdminResetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	if err := f.update("AdminResetUserPassword", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		if !u.enabled {
			return &types.NotAuthorizedException{Message: aws.String("User is disabled.")}
		}
		if u.status != types.UserStatusTypeConfirmed && u.status != types.UserStatusTypeResetRequired && u.status != types.UserStatusTypeCompromised {
			return &types.NotAuthorizedException{Message: aws.String("User password cannot be reset in the current state.")}
		}
		u.status = types.UserStatusTypeResetRequired
		u.password = ""
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminResetUserPasswordOutput{}, nil
}

func (f *fakeCognito) AdminSetUserPassword(_ context.Context, in *cip.AdminSetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	if err := f.update("AdminSetUserPassword", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		u.password = aws.ToString(in.Password)
		u.status = types.UserStatusTypeConfirmed
		if !in.Permanent {
			u.status = types.UserStatusTypeForceChangePassword
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminSetUserPasswordOutput{}, nil
}

func (f *fakeCognito) AdminSetUserMFAPreference(_ context.Context, in *cip.AdminSetUserMFAPreferenceInput, _ ...func(*cip.Options)) (*cip.AdminSetUserMFAPreferenceOutput, error) {
	if err := f.update("AdminSetUserMFAPreference", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		if s := in.SoftwareTokenMfaSettings; s != nil {
			u.mfa = s.Enabled
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminSetUserMFAPreferenceOutput{}, nil
}

// AdminUpdateUserAttributes refuses custom attributes outside the pool's schema, as Cognito does.
func (f *fakeCognito) AdminUpdateUserAttributes(_ context.Context, in *cip.AdminUpdateUserAttributesInput, _ ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	if err := f.update("AdminUpdateUserAttributes", in, in.UserPoolId, in.Username, func(u *fakeUser) error {
		for _, a := range in.UserAttributes {
			name := aws.ToString(a.Name)
			if strings.HasPrefix(name, "custom:") && !f.schema[name] {
				return &types.InvalidParameterException{Message: aws.String("Attribute does not exist in the schema.")}
			}
		}
		for _, a := range in.UserAttributes {
			u.profile[aws.ToString(a.Name)] = aws.ToString(a.Value)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return &cip.AdminUpdateUserAttributesOutput{}, nil
}
