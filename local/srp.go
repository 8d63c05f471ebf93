package local

import (
	"context"
	"errors"
	"fmt"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// SRPSignIn signs username in through clientID with USER_SRP_AUTH, the flow
// the admin client allows: InitiateAuth with SRP_A, then the
// PASSWORD_VERIFIER answer. It returns Cognito's last answer: tokens, or the
// next challenge (NEW_PASSWORD_REQUIRED, MFA_SETUP, SOFTWARE_TOKEN_MFA).
// Against the emulator the SRP proof is not checked (see srpNote).
func SRPSignIn(ctx context.Context, c *cip.Client, poolID, clientID, username, password string) (*cip.RespondToAuthChallengeOutput, error) {
	srp, err := cognitosrp.NewCognitoSRP(username, password, poolID, clientID, nil)
	if err != nil {
		return nil, err
	}
	init, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: srp.GetAuthParams(),
	})
	if err != nil {
		return nil, err
	}
	if init.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		return nil, fmt.Errorf("USER_SRP_AUTH answered %q, want the PASSWORD_VERIFIER challenge", init.ChallengeName)
	}
	answer, err := srp.PasswordVerifierChallenge(init.ChallengeParameters, time.Now())
	if err != nil {
		return nil, err
	}
	return c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ChallengeResponses: answer,
		ClientId:           aws.String(clientID),
		Session:            init.Session,
	})
}

// AdminSignIn signs a user in through the admin client with SRP, as
// `useradmin login` does.
func (e *Env) AdminSignIn(ctx context.Context, email, password string) (*cip.RespondToAuthChallengeOutput, error) {
	return SRPSignIn(ctx, e.Cognito, e.Pool.ID, e.Pool.AdminClientID, email, password)
}

// AdminIDToken signs a user in through the admin client and returns their
// ID token: the token the admin API accepts.
func (e *Env) AdminIDToken(ctx context.Context, email, password string) (string, error) {
	out, err := e.AdminSignIn(ctx, email, password)
	if err != nil {
		return "", err
	}
	return idToken(out.AuthenticationResult, out.ChallengeName)
}

func idToken(r *types.AuthenticationResultType, challenge types.ChallengeNameType) (string, error) {
	if r == nil || r.IdToken == nil {
		if challenge != "" {
			return "", fmt.Errorf("sign-in returned the %s challenge, not tokens", challenge)
		}
		return "", errors.New("sign-in returned no tokens")
	}
	return *r.IdToken, nil
}
