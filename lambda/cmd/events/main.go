// Command events is the user events publisher's Lambda entry point: the
// audit table's stream invokes it (infra/userevents.go). It only wires
// things: the EventBridge client and the publisher are built once per
// container; the work is in lambda/userevents.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/useradmin/cognito-user-admin/lambda/userevents"
)

func main() {
	log := lambdacontext.NewLogger()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fatal("cannot build the AWS configuration", err)
	}
	p, err := userevents.FromEnv(eventbridge.NewFromConfig(cfg), os.Getenv, log)
	if err != nil {
		fatal("invalid settings", err)
	}
	lambda.Start(p.Handle)
}

// fatal reports a start-up failure as one JSON line and exits: Lambda then reports an init error.
func fatal(msg string, err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error(msg, "error", err.Error())
	os.Exit(1)
}
