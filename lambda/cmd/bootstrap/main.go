// Command bootstrap is the Lambda entry point (provided.al2023 runs a binary
// of this name). It only wires things: settings and the Cognito client are
// built once per container, then every invocation goes to the handler.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/handler"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

func main() {
	// JSON when the function's log format is JSON (AWS_LAMBDA_LOG_FORMAT), with the request id on every line.
	log := lambdacontext.NewLogger()
	s, err := settings.FromEnv(os.Getenv)
	if err != nil {
		fatal("invalid settings", err)
	}
	cfg, err := awsConfig(os.Getenv)
	if err != nil {
		fatal("cannot build the AWS configuration", err)
	}
	h := handler.New(s, cognitoidentityprovider.NewFromConfig(cfg), log)
	if s.AuditTable != "" {
		h.WithRecords(audit.NewStore(dynamodb.NewFromConfig(cfg), s.AuditTable, s.AuditRetentionDays))
	}
	lambda.Start(h.Handle)
}

// fatal reports a start-up failure as one JSON line, whatever the log format,
// so it is readable in CloudWatch, and exits: Lambda then reports an init error.
func fatal(msg string, err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error(msg, "error", err.Error())
	os.Exit(1)
}
