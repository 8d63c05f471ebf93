package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// addOperations adds what runs the environment day to day, as its config
// says: metrics from the audit lines, the saved audit queries and the
// dashboard always (they cost little or nothing), the alarms and their
// topic, and the web ACL (answering blocked browsers from origins[0]).
// Tracing is set on the function and the stage themselves. It returns the
// alarms' topic, nil without alarms.
func addOperations(stack awscdk.Stack, fn awslambda.Function, stage awsapigateway.Stage, origins []string, c Config) awssns.ITopic {
	metrics := NewAuditMetrics(stack, "Audit", &AuditMetricsProps{LogGroup: fn.LogGroup(), Config: c})
	NewAuditQueries(stack, "AuditQuery", &AuditQueriesProps{LogGroup: fn.LogGroup(), Config: c})
	var alarms []awscloudwatch.Alarm
	var topic awssns.ITopic
	if c.Alarms != nil {
		a := NewAlarms(stack, "Alarm", &AlarmsProps{Function: fn, Stage: stage, Metrics: metrics, Config: c})
		alarms, topic = a.Alarms(), a.Topic()
	}
	NewDashboard(stack, "Dashboard", &DashboardProps{Function: fn, Stage: stage, Metrics: metrics, Alarms: alarms, Config: c})
	if c.WAF != nil {
		NewWebACL(stack, "WebAcl", &WebACLProps{Stage: stage, Config: c, CORSOrigins: origins})
	}
	return topic
}

// lambdaTracing is the function's X-Ray mode: Active samples requests
// itself and also records those API Gateway sends already traced.
func lambdaTracing(c Config) awslambda.Tracing {
	if c.Tracing {
		return awslambda.Tracing_ACTIVE
	}
	return awslambda.Tracing_DISABLED
}

// operationsNagSuppressions are the cdk-nag suppressions the operations
// settings need; NagSuppressions calls it.
func operationsNagSuppressions(suppress func(path string, s ...*cdknag.NagPackSuppression), c Config) {
	xrayNagSuppression(suppress, "AdminFunctionRole/DefaultPolicy/Resource", c)
}

// xrayNagSuppression allows, with tracing on, the Resource "*" that CDK's
// X-Ray grant puts in the default policy at path.
func xrayNagSuppression(suppress func(path string, s ...*cdknag.NagPackSuppression), path string, c Config) {
	if c.Tracing {
		suppress(path, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM5"),
			AppliesTo: &[]any{"Resource::*"},
			Reason: jsii.String("X-Ray tracing (Config.Tracing): xray:PutTraceSegments and xray:PutTelemetryRecords, " +
				"which CDK grants for active tracing, have no resource-level permissions and require Resource \"*\"."),
		})
	}
}
