package local

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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

// mfaNote is reported at start with the properties the emulator does not enforce.
const mfaNote = "AdminSetUserMFAPreference: moto 5.2 ignores a TOTP disable sent as the SDKs send it (an empty settings object); local mode sends Enabled: false explicitly"

// AdminSetUserMFAPreference turning TOTP off: the SDK leaves false booleans
// out, so the settings reach the emulator as {}, which moto takes for "no
// change" (moto/cognitoidp/models.py, admin_set_user_mfa_preference) where
// Cognito reads the defaults, false. Spell the false out on the wire.
func (c emulatedCognito) AdminSetUserMFAPreference(ctx context.Context, in *cip.AdminSetUserMFAPreferenceInput, opts ...func(*cip.Options)) (*cip.AdminSetUserMFAPreferenceOutput, error) {
	if s := in.SoftwareTokenMfaSettings; s != nil && !s.Enabled && !s.PreferredMfa {
		opts = append(opts, func(o *cip.Options) {
			o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
				return stack.Build.Add(middleware.BuildMiddlewareFunc("MotoExplicitTOTPDisable", explicitTOTPDisable), middleware.Before)
			})
		})
	}
	return c.Client.AdminSetUserMFAPreference(ctx, in, opts...)
}

func explicitTOTPDisable(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return next.HandleBuild(ctx, in)
	}
	var body []byte
	if s := req.GetStream(); s != nil {
		var err error
		if body, err = io.ReadAll(s); err != nil {
			return middleware.BuildOutput{}, middleware.Metadata{}, err
		}
	}
	body = bytes.Replace(body, []byte(`"SoftwareTokenMfaSettings":{}`), []byte(`"SoftwareTokenMfaSettings":{"Enabled":false}`), 1)
	r, err := req.SetStream(bytes.NewReader(body))
	if err != nil {
		return middleware.BuildOutput{}, middleware.Metadata{}, err
	}
	in.Request = r
	return next.HandleBuild(ctx, in)
}
