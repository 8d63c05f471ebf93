package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// newLogGroup creates a log group with the environment's retention, kept
// or destroyed with the stack as the environment's user data is.
func newLogGroup(scope constructs.Construct, id string, c Config) awslogs.LogGroup {
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		Retention:     c.logRetention(),
		RemovalPolicy: removalPolicy(c),
	})
}
