package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
	"github.com/useradmin/cognito-user-admin/lambda/userevents"
)

// EventsFilter is the event source mapping's filter: new items that carry
// an event type, i.e. successful changes. The publisher applies the same
// rule itself; the filter saves the invocations.
var EventsFilter = map[string]any{
	"eventName": []any{"INSERT"},
	"dynamodb":  map[string]any{"NewImage": map[string]any{audit.AttrEventType: map[string]any{"S": []any{map[string]any{"exists": true}}}}},
}

// The event source mapping's delivery settings (docs/audit.md).
const (
	// eventsBatchSize is PutEvents' limit: one call per batch.
	eventsBatchSize = 10
	// eventsRetryAttempts bounds the retries of a failing batch, so one
	// undeliverable record goes to the dead-letter queue instead of holding its shard.
	eventsRetryAttempts = 10
	// eventsMaxRecordAgeHours drops to the dead-letter queue what is older,
	// well before the stream's own 24 hours take it.
	eventsMaxRecordAgeHours = 6
)

// UserEventsProps configures NewUserEvents.
type UserEventsProps struct {
	Table  awsdynamodb.Table
	Config Config
	// ModuleDir is the repository root (where go.mod is); the publisher is built from there.
	ModuleDir string
}

// UserEvents is the environment's bus and what feeds it.
type UserEvents interface {
	Bus() awsevents.EventBus
	// DeadLetterQueue holds the descriptions of the stream batches the publisher could not deliver.
	DeadLetterQueue() awssqs.Queue
	// Publisher is the Lambda the audit table's stream invokes.
	Publisher() awslambda.Function
}

type userEvents struct {
	bus awsevents.EventBus
	dlq awssqs.Queue
	fn  awslambda.Function
}

func (u *userEvents) Bus() awsevents.EventBus       { return u.bus }
func (u *userEvents) DeadLetterQueue() awssqs.Queue { return u.dlq }
func (u *userEvents) Publisher() awslambda.Function { return u.fn }

// NewUserEvents creates the environment's EventBridge bus and the Lambda
// that publishes to it from the audit table's stream (lambda/userevents):
// each new record of a successful change becomes one event, detail-type
// from the record's action, detail the record as a JSON object. Events are
// published from the stream, not by the API's function, so a recorded
// change is delivered even if that function dies right after writing it.
// Retries are the event source mapping's; batches that keep failing are
// described in an encrypted dead-letter queue.
func NewUserEvents(scope constructs.Construct, id string, props *UserEventsProps) UserEvents {
	c := props.Config
	bus := awsevents.NewEventBus(scope, jsii.String(id+"Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(c.eventBusName()),
		Description:  jsii.String("User events of " + c.StackName() + " (source " + c.eventSource() + "); see docs/audit.md"),
	})
	dlq := awssqs.NewQueue(scope, jsii.String(id+"DeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	logs := newLogGroup(scope, id+"PublisherLogs", c)
	// Its own role, not AWSLambdaBasicExecutionRole (which writes to every log group).
	role := awsiam.NewRole(scope, jsii.String(id+"PublisherRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("The " + c.Name + " user events publisher: the audit table's stream, the bus, the dead-letter queue"),
	})
	logs.GrantWrite(role)
	fn := awslambda.NewFunction(scope, jsii.String(id+"Publisher"), &awslambda.FunctionProps{
		Role:         role,
		Description:  jsii.String("Publishes the " + c.Name + " audit records of successful changes as user events on " + c.eventBusName()),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         goFunctionCode(props.ModuleDir, gobuild.EventsPackage),
		// One PutEvents call per batch; a stuck call is retried by the mapping.
		Timeout:       awscdk.Duration_Seconds(jsii.Number(30)),
		MemorySize:    jsii.Number(128),
		LoggingFormat: awslambda.LoggingFormat_JSON,
		LogGroup:      logs,
		Environment: &map[string]*string{
			userevents.EnvBus:    bus.EventBusName(),
			userevents.EnvSource: jsii.String(c.eventSource()),
		},
		Tracing: lambdaTracing(c),
	})
	bus.GrantPutEventsTo(fn, nil)
	// The L2 event source grants the stream's read actions on this stream
	// (and ListStreams, which has no resource), the queue's send on the
	// queue, and the table key's decrypt where there is one.
	fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(props.Table, &awslambdaeventsources.DynamoEventSourceProps{
		// From the oldest record still in the stream: nothing written before the mapping runs is skipped.
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(eventsBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		// Halves a failing batch on each retry, so one bad record does not hold back the good ones around it.
		BisectBatchOnError: jsii.Bool(true),
		RetryAttempts:      jsii.Number(eventsRetryAttempts),
		MaxRecordAge:       awscdk.Duration_Hours(jsii.Number(eventsMaxRecordAgeHours)),
		OnFailure:          awslambdaeventsources.NewSqsDlq(dlq),
		Filters:            &[]*map[string]any{awslambda.FilterCriteria_Filter(&EventsFilter)},
	}))
	return &userEvents{bus: bus, dlq: dlq, fn: fn}
}
