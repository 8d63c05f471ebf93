// Command scimauth is the SCIM routes' Lambda authorizer (lambda/scimauth).
// It only wires things: the Secrets Manager client, and the pool's JWKS
// where client credentials are on, are built once per container.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/useradmin/cognito-user-admin/lambda/scimauth"
)

func main() {
	ctx := context.Background()
	log := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fatal("cannot build the AWS configuration", err)
	}
	secret := os.Getenv(scimauth.EnvSecretID)
	if secret == "" {
		fatal("invalid settings", errString(scimauth.EnvSecretID+" is not set"))
	}
	var verify scimauth.ClientVerifier
	if client := os.Getenv(scimauth.EnvClientID); client != "" {
		issuer := scimauth.Issuer(cfg.Region, os.Getenv(scimauth.EnvUserPoolID))
		keys, err := keyfunc.NewDefaultCtx(ctx, []string{issuer + "/.well-known/jwks.json"})
		if err != nil {
			fatal("cannot load the pool's JWKS", err)
		}
		verify = scimauth.NewClientVerifier(keys.Keyfunc, issuer, client)
	}
	lambda.Start(scimauth.New(secretsmanager.NewFromConfig(cfg), secret, verify, log).Handle)
}

type errString string

func (e errString) Error() string { return string(e) }

// fatal reports a start-up failure as one JSON line and exits: Lambda then reports an init error.
func fatal(msg string, err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error(msg, "error", err.Error())
	os.Exit(1)
}
