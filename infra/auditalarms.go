package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// metricRecordsUnwritten counts audit records the Lambda could not put in the table.
const metricRecordsUnwritten = "AuditRecordsUnwritten"

// AuditAlarmsProps configures NewAuditAlarms.
type AuditAlarmsProps struct {
	// LogGroup is the Lambda's, where unwritten records are logged.
	LogGroup    awslogs.ILogGroup
	DeadLetters awssqs.IQueue
	// Topic is the alarms' topic; nil when the environment has no alarms, and then none are made.
	Topic  awssns.ITopic
	Config Config
}

// NewAuditAlarms (id is the alarms' prefix, as NewAlarms's) counts the audit records the Lambda logged instead of
// writing (always: a metric filter costs nothing until it matches) and,
// where the environment has alarms, alarms on any of them and on any
// message in the user events' dead-letter queue.
func NewAuditAlarms(scope constructs.Construct, id string, props *AuditAlarmsProps) []awscloudwatch.Alarm {
	c := props.Config
	awslogs.NewMetricFilter(scope, jsii.String("AuditRecordsUnwrittenFilter"), &awslogs.MetricFilterProps{
		LogGroup:        props.LogGroup,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(fmt.Sprintf("{ $.%s = %q }", auditlog.MessageKey, auditlog.MessageRecordUnwritten))),
		MetricNamespace: jsii.String(c.metricsNamespace()),
		MetricName:      jsii.String(metricRecordsUnwritten),
		MetricValue:     jsii.String("1"),
		DefaultValue:    jsii.Number(0),
	})
	if props.Topic == nil {
		return nil
	}
	period := awscdk.Duration_Minutes(jsii.Number(5))
	action := awscloudwatchactions.NewSnsAction(props.Topic)
	var out []awscloudwatch.Alarm
	for _, s := range []struct {
		id, name, description string
		metric                awscloudwatch.IMetric
	}{
		{"AuditRecordsUnwritten", "Audit records not written - copy them from the log",
			fmt.Sprintf("The Lambda made a change but could not write its audit record to the table; the change stands. "+
				"Find the records in the function's log (message %q, field %q) and put them in the audit table; then see why DynamoDB refused (throttling, permissions, the key).",
				auditlog.MessageRecordUnwritten, auditlog.Record),
			awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String(c.metricsNamespace()), MetricName: jsii.String(metricRecordsUnwritten), Statistic: jsii.String("Sum"), Period: period})},
		{"EventsDeadLettered", "User events not delivered - see the dead-letter queue",
			"The user events pipe gave up on a batch of audit records and put its description in the dead-letter queue: subscribers missed those events. " +
				"The records are in the audit table; the queue's messages name the stream shard and sequence numbers. Fix the cause (the pipe's role, the bus), then republish (docs/audit.md).",
			props.DeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum")})},
	} {
		alarm := awscloudwatch.NewAlarm(scope, jsii.String(id+s.id), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(AlarmName(c, s.name)),
			AlarmDescription:   jsii.String(s.description),
			Metric:             s.metric,
			Threshold:          jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
		out = append(out, alarm)
	}
	return out
}
