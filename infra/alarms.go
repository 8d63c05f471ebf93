package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// alarmPeriod is every alarm's period: short enough to page within minutes,
// long enough that one request's p99 is not the whole sample.
var alarmPeriod = awscdk.Duration_Minutes(jsii.Number(5))

// AlarmsProps configures NewAlarms.
type AlarmsProps struct {
	Function awslambda.IFunction
	Stage    awsapigateway.Stage
	Metrics  AuditMetrics
	Config   Config
}

// OperationsAlarms are the alarms and the topic they notify.
type OperationsAlarms interface {
	Topic() awssns.ITopic
	Alarms() []awscloudwatch.Alarm
}

type opsAlarms struct {
	topic  awssns.Topic
	alarms []awscloudwatch.Alarm
}

func (a *opsAlarms) Topic() awssns.ITopic          { return a.topic }
func (a *opsAlarms) Alarms() []awscloudwatch.Alarm { return a.alarms }

// NewAlarms creates the CloudWatch alarms of Config.Alarms and an SNS topic
// that each notifies on ALARM and on OK, with the configured email
// subscriptions. The topic is encrypted with a key of its own: CloudWatch
// cannot publish to a topic under the AWS-managed alias/aws/sns key,
// whose policy cannot be changed to let it.
func NewAlarms(scope constructs.Construct, id string, props *AlarmsProps) OperationsAlarms {
	c := props.Config
	a := c.Alarms
	stack := awscdk.Stack_Of(scope)
	key := awskms.NewKey(scope, jsii.String(id+"TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the " + c.StackName() + " alarm topic; CloudWatch alarms may use it to publish"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removalPolicy(c),
	})
	topic := awssns.NewTopic(scope, jsii.String(id+"Topic"), &awssns.TopicProps{
		DisplayName: jsii.String(c.StackName() + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	for _, email := range a.Emails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}

	fn, stage, m := props.Function, props.Stage, props.Metrics
	sum := func(o *awscloudwatch.MetricOptions) *awscloudwatch.MetricOptions {
		o.Period, o.Statistic = alarmPeriod, jsii.String("Sum")
		return o
	}
	specs := []alarmSpec{
		{"LambdaErrors", "Lambda errors - read the function logs, roll back a bad deploy",
			"The admin function failed invocations (crash, timeout, out of memory, init failure): API calls got 502 from API Gateway. " +
				"Open the function's log group (errors and init failures are logged), and if this began with a deploy, deploy the previous commit.",
			fn.MetricErrors(sum(&awscloudwatch.MetricOptions{})), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1},
		{"LambdaThrottles", "Lambda throttled - check the account concurrency",
			"Lambda refused to run the admin function for lack of concurrency: callers got 500/502. " +
				"Another function may be using the account's concurrency; see ConcurrentExecutions in the account and raise the quota or reserve concurrency.",
			fn.MetricThrottles(sum(&awscloudwatch.MetricOptions{})), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1},
		{"Api5xx", "API 5xx responses - read the upstream failures in the function logs",
			fmt.Sprintf("At least %d responses in 5 minutes were 5xx: Cognito failing or timing out (UpstreamError, UpstreamTimeout), undelivered invitations, or the function failing. "+
				"Search the function's log group for \"upstream failure\" lines; check the AWS Health Dashboard for Cognito.", a.ServerErrors),
			stage.MetricServerError(sum(&awscloudwatch.MetricOptions{})), float64(a.ServerErrors), awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1},
		{"Api4xxRate", "API 4xx rate high - find the caller in the access logs",
			fmt.Sprintf("More than %v%% of requests in 5 minutes (with at least %d requests) were refused with 4xx: a broken client, an expired-token loop, or someone probing. "+
				"Group the API access logs by caller, ip and status to find who; block an abusive IP in the web ACL or fix the client.", a.ClientErrorRatePercent, a.ClientErrorMinRequests),
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String(fmt.Sprintf("IF(requests >= %d, 100 * errors / requests, 0)", a.ClientErrorMinRequests)),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"errors":   stage.MetricClientError(sum(&awscloudwatch.MetricOptions{})),
					"requests": stage.MetricCount(sum(&awscloudwatch.MetricOptions{})),
				},
				Period: alarmPeriod,
				Label:  jsii.String("4xx % of requests"),
			}), a.ClientErrorRatePercent, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 1, 1},
		{"ApiLatencyP99", "API p99 latency high - check Cognito and the X-Ray traces",
			fmt.Sprintf("The API's p99 latency was above %d ms in 2 of the last 3 periods of 5 minutes. "+
				"Open the X-Ray traces of slow requests (service map: API Gateway, then the function) and the function's Duration; Cognito slowness shows as long function time.", a.LatencyP99Ms),
			stage.MetricLatency(&awscloudwatch.MetricOptions{Period: alarmPeriod, Statistic: jsii.String("p99")}),
			float64(a.LatencyP99Ms), awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 3, 2},
		{"EmailLimit", "Invitations refused by the email cap - configure SES",
			"Cognito refused to send an invitation: its own sender's daily email quota (50 a day per account) is reached and callers got 429 EmailLimitExceeded. " +
				"Set SES for this environment in infra/environments.go (a verified SES identity) and deploy; until then, retry invitations tomorrow with POST /users/{email}/invitation.",
			m.Refusals(auditlog.OutcomeEmailLimit, alarmPeriod), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1},
		{"RoleChanges", "Role granted or removed - check it was intended",
			"A role (an admin group) was granted to or removed from a user through the API. Every such change is announced: " +
				"run the saved query \"" + c.StackName() + "/role changes\" to see who changed whose role, and undo it if nobody meant it.",
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("FILL(grants, 0) + FILL(revokes, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"grants":  m.Changes(auditlog.ActionRoleGrant, alarmPeriod),
					"revokes": m.Changes(auditlog.ActionRoleRevoke, alarmPeriod),
				},
				Period: alarmPeriod,
				Label:  jsii.String("role changes"),
			}), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1},
		{"Refusals", "Authorization refusals - find the caller with the refusals query",
			fmt.Sprintf("At least %d calls in 5 minutes were refused 403 Forbidden: signed-in users who are not admins, or tokens that are not ID tokens. "+
				"Run the saved query \"%s/refusals\" to see who (caller_sub, caller_email); if it is not a misconfigured app, disable that user.", a.Refusals, c.StackName()),
			m.Refusals(auditlog.OutcomeForbidden, alarmPeriod), float64(a.Refusals), awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1},
	}
	out := &opsAlarms{topic: topic}
	for _, s := range specs {
		out.alarms = append(out.alarms, newTopicAlarm(scope, id, c, topic, s))
	}
	// CloudWatch may use the key and publish to the topic for this stack's
	// alarms only, in this account: the service principal alone would let any
	// account's alarm do both (the confused deputy). Every alarm of the stack
	// is named "<stack> …" (AlarmName), wherever it is made, so the pattern
	// covers the alarms other constructs add to this topic too; it is built
	// from the name, not the alarms' ARN attributes, since the key's policy
	// naming an alarm that needs the topic that needs the key is a cycle.
	fromAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(AlarmName(c, "*")),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	// A key policy's "*" is this key. CloudWatch encrypts the message it publishes with it.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: fromAlarms,
	}), nil)
	// The topic policy replaces SNS's default one, so CloudWatch's right to publish is stated.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: fromAlarms,
	}))
	return out
}

// AlarmName is the name of one of the stack's alarms: every alarm is named
// through it, since the alarm topic's key admits CloudWatch for names of
// this form only.
func AlarmName(c Config, name string) string { return c.StackName() + " " + name }

// alarmSpec is one alarm: what it watches and when it fires. Periods and
// datapoints of 0 mean one evaluation period and CloudWatch's default.
type alarmSpec struct {
	id, name, description string
	metric                awscloudwatch.IMetric
	threshold             float64
	op                    awscloudwatch.ComparisonOperator
	periods, datapoints   float64
}

// newTopicAlarm makes an alarm of the stack (id is the prefix of its
// construct ID) that notifies topic on ALARM and on OK. Every alarm that
// notifies the topic is made here, so its name has the form the topic's key
// admits (AlarmName).
func newTopicAlarm(scope constructs.Construct, id string, c Config, topic awssns.ITopic, s alarmSpec) awscloudwatch.Alarm {
	periods := s.periods
	if periods == 0 {
		periods = 1
	}
	props := &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(AlarmName(c, s.name)),
		AlarmDescription:   jsii.String(s.description),
		Metric:             s.metric,
		Threshold:          jsii.Number(s.threshold),
		ComparisonOperator: s.op,
		EvaluationPeriods:  jsii.Number(periods),
		// No requests, no audit lines: nothing is wrong. (The audit filters publish only when a line matches.)
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	if s.datapoints > 0 {
		props.DatapointsToAlarm = jsii.Number(s.datapoints)
	}
	alarm := awscloudwatch.NewAlarm(scope, jsii.String(id+s.id), props)
	action := awscloudwatchactions.NewSnsAction(topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	return alarm
}
