package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awspipes"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// The pipe's mapping from a stream record to an event; local mode reads
// them from the template and applies the same.
var (
	// PipeFilter passes new items that carry an event type: successful changes only.
	PipeFilter = mustJSON(map[string]any{
		"eventName": []string{"INSERT"},
		"dynamodb":  map[string]any{"NewImage": map[string]any{audit.AttrEventType: map[string]any{"S": []any{map[string]any{"exists": true}}}}},
	})
	// PipeInputTemplate makes the event's detail the record's JSON, which the item holds as a string.
	PipeInputTemplate = "<$.dynamodb.NewImage." + audit.AttrDetail + ".S>"
	// PipeDetailType is the event's detail-type, read from the item (Pipes' dynamic path parameter).
	PipeDetailType = "$.dynamodb.NewImage." + audit.AttrEventType + ".S"
)

// UserEventsProps configures NewUserEvents.
type UserEventsProps struct {
	Table  awsdynamodb.Table
	Config Config
}

// UserEvents is the environment's bus and what feeds it.
type UserEvents interface {
	Bus() awsevents.EventBus
	// DeadLetterQueue holds the stream batches the pipe could not deliver.
	DeadLetterQueue() awssqs.Queue
}

type userEvents struct {
	bus awsevents.EventBus
	dlq awssqs.Queue
}

func (u *userEvents) Bus() awsevents.EventBus       { return u.bus }
func (u *userEvents) DeadLetterQueue() awssqs.Queue { return u.dlq }

// NewUserEvents creates the environment's EventBridge bus and an
// EventBridge pipe from the audit table's stream to it: each new record of
// a successful change becomes one event, detail-type from the item, detail
// the record. The events are published from the stream, not by the Lambda,
// so a recorded change is delivered even if the Lambda dies right after
// writing it. Deliveries that keep failing go to an encrypted dead-letter queue.
// Pipes has no stable L2 construct in this CDK version (only the alpha module), so this is the L1 CfnPipe.
func NewUserEvents(scope constructs.Construct, id string, props *UserEventsProps) UserEvents {
	c := props.Config
	stack := awscdk.Stack_Of(scope)
	bus := awsevents.NewEventBus(scope, jsii.String(id+"Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(c.eventBusName()),
		Description:  jsii.String("User events of " + c.StackName() + " (source " + c.eventSource() + "); see docs/audit.md"),
	})
	dlq := awssqs.NewQueue(scope, jsii.String(id+"DeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	role := awsiam.NewRole(scope, jsii.String(id+"PipeRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("pipes.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			// This account's pipes only (confused deputy).
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		Description: jsii.String("The " + c.Name + " user events pipe: the audit table's stream, the bus, the dead-letter queue"),
	})
	stream := props.Table.TableStreamArn()
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
		Resources: &[]*string{stream},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:ListStreams"),
		Resources: jsii.Strings("*"), // ListStreams has no resource-level permissions
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("events:PutEvents"),
		Resources: &[]*string{bus.EventBusArn()},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sqs:SendMessage"),
		Resources: &[]*string{dlq.QueueArn()},
	}))
	if key := props.Table.EncryptionKey(); key != nil {
		key.GrantDecrypt(role)
	}
	pipe := awspipes.NewCfnPipe(scope, jsii.String(id+"Pipe"), &awspipes.CfnPipeProps{
		Description: jsii.String("Audit records of successful changes to user events on " + c.eventBusName()),
		RoleArn:     role.RoleArn(),
		Source:      stream,
		SourceParameters: &awspipes.CfnPipe_PipeSourceParametersProperty{
			DynamoDbStreamParameters: &awspipes.CfnPipe_PipeSourceDynamoDBStreamParametersProperty{
				// From the oldest record still in the stream: nothing written before the pipe runs is skipped.
				StartingPosition: jsii.String("TRIM_HORIZON"),
				BatchSize:        jsii.Number(10),
				// Bounded, so one undeliverable batch goes to the queue instead of holding its shard for 24 hours.
				MaximumRetryAttempts: jsii.Number(10),
				DeadLetterConfig:     &awspipes.CfnPipe_DeadLetterConfigProperty{Arn: dlq.QueueArn()},
			},
			FilterCriteria: &awspipes.CfnPipe_FilterCriteriaProperty{
				Filters: &[]any{&awspipes.CfnPipe_FilterProperty{Pattern: jsii.String(PipeFilter)}},
			},
		},
		Target: bus.EventBusArn(),
		TargetParameters: &awspipes.CfnPipe_PipeTargetParametersProperty{
			InputTemplate: jsii.String(PipeInputTemplate),
			EventBridgeEventBusParameters: &awspipes.CfnPipe_PipeTargetEventBridgeEventBusParametersProperty{
				DetailType: jsii.String(PipeDetailType),
				Source:     jsii.String(c.eventSource()),
			},
		},
	})
	// The role's policy must exist before the pipe starts reading.
	pipe.Node().AddDependency(role)
	return &userEvents{bus: bus, dlq: dlq}
}
