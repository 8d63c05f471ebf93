package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// metricRecordsUnwritten counts audit records the Lambda could not put in the table.
const metricRecordsUnwritten = "AuditRecordsUnwritten"

// The names of the alarms NewAuditAlarms makes (after the stack's name).
const (
	alarmRecordsUnwritten      = "Audit records not written - copy them from the log"
	alarmEventsDeadLettered    = "User events not delivered - see the dead-letter queue"
	alarmEventsPublisherErrors = "User events publisher failing - see its log"
	alarmEventsLate            = "User events late - the publisher is behind the stream"
)

// eventsIteratorAgeMinutes is how far behind the stream the publisher may
// fall before the alarm fires: normally it is seconds.
const eventsIteratorAgeMinutes = 10

// AuditAlarmsProps configures NewAuditAlarms.
type AuditAlarmsProps struct {
	// LogGroup is the Lambda's, where unwritten records are logged.
	LogGroup    awslogs.ILogGroup
	DeadLetters awssqs.IQueue
	// Publisher is the user events' Lambda, fed by the audit table's stream.
	Publisher awslambda.IFunction
	// Topic is the alarms' topic; nil when the environment has no alarms, and then none are made.
	Topic  awssns.ITopic
	Config Config
}

// NewAuditAlarms (id is the alarms' prefix, as NewAlarms's) counts the audit records the Lambda logged instead of
// writing (always: a metric filter costs nothing until it matches) and,
// where the environment has alarms, alarms on any of them, on any
// message in the user events' dead-letter queue, and on the publisher
// failing or falling behind the stream.
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
	var out []awscloudwatch.Alarm
	for _, s := range []alarmSpec{
		{"AuditRecordsUnwritten", alarmRecordsUnwritten,
			fmt.Sprintf("The Lambda made a change but could not write its audit record to the table; the change stands. "+
				"Find the records in the function's log (message %q, field %q) and put them in the audit table; then see why DynamoDB refused (throttling, permissions, the key).",
				auditlog.MessageRecordUnwritten, auditlog.Record),
			awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String(c.metricsNamespace()), MetricName: jsii.String(metricRecordsUnwritten), Statistic: jsii.String("Sum"), Period: period}), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 0},
		{"EventsDeadLettered", alarmEventsDeadLettered,
			"The user events publisher gave up on a batch of audit records and put its description in the dead-letter queue: subscribers missed those events. " +
				"The records are in the audit table; the queue's messages name the stream shard and sequence numbers. Fix the cause (the publisher's log, its role, the bus), then republish (docs/audit.md).",
			props.DeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum")}), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 0},
		{"EventsPublisherErrors", alarmEventsPublisherErrors,
			"The Lambda that publishes user events from the audit table's stream ended invocations in an error (crash, timeout): events are delayed and retried, " +
				"and go to the dead-letter queue if it keeps failing. See the publisher's log.",
			props.Publisher.MetricErrors(&awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}), 1, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 0},
		{"EventsIteratorAge", alarmEventsLate,
			fmt.Sprintf("The user events publisher is more than %d minutes behind the audit table's stream: subscribers get events late. "+
				"See the publisher's log and its throttles; records older than the event source mapping's maximum age go to the dead-letter queue.", eventsIteratorAgeMinutes),
			props.Publisher.Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Maximum")}),
			eventsIteratorAgeMinutes * 60 * 1000, // milliseconds
			awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 0},
	} {
		out = append(out, newTopicAlarm(scope, id, c, props.Topic, s))
	}
	return out
}
