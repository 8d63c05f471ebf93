package local

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/handler"
)

// resendNote is reported at start with the properties the emulator does not enforce.
const resendNote = "AdminCreateUser RESEND: answered by local mode (moto 5.2 would create a second user with the same email); no email is sent"

// emulatedCognito is the SDK client for the emulator, corrected where moto
// departs from Cognito in a way the API depends on. The handler gets this,
// so it runs unchanged against what Cognito would answer.
type emulatedCognito struct{ *cip.Client }

var _ handler.Cognito = emulatedCognito{}

// AdminCreateUser with MessageAction RESEND: moto checks the user exists and
// then creates a new one anyway (moto/cognitoidp/models.py, admin_create_user).
// Cognito re-sends the invitation to the existing user, and refuses users who
// are no longer waiting for their first sign-in; do the same here.
func (c emulatedCognito) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, opts ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if in.MessageAction != types.MessageActionTypeResend {
		return c.Client.AdminCreateUser(ctx, in, opts...)
	}
	u, err := c.Client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: in.UserPoolId, Username: in.Username}, opts...)
	if err != nil {
		return nil, err
	}
	if u.UserStatus != types.UserStatusTypeForceChangePassword {
		return nil, &types.UnsupportedUserStateException{Message: aws.String(fmt.Sprintf("user is %s, not FORCE_CHANGE_PASSWORD", u.UserStatus))}
	}
	return &cip.AdminCreateUserOutput{User: &types.UserType{
		Username:             u.Username,
		Attributes:           u.UserAttributes,
		UserStatus:           u.UserStatus,
		Enabled:              u.Enabled,
		UserCreateDate:       u.UserCreateDate,
		UserLastModifiedDate: u.UserLastModifiedDate,
	}}, nil
}
