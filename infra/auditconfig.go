package infra

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AuditConfig is the audit table's configuration (docs/audit.md).
type AuditConfig struct {
	// RetentionDays is how long records are kept: their TTL. prd keeps at least MinPrdAuditRetentionDays.
	RetentionDays int
	// PointInTimeRecovery keeps 35 days of restorable table history. Always on in prd.
	PointInTimeRecovery bool
	// CustomerKey encrypts the table (and so its stream) with a customer-managed
	// KMS key of the stack, rotated yearly; otherwise DynamoDB's AWS-owned key.
	CustomerKey bool
}

// MinPrdAuditRetentionDays is the least prd keeps audit records.
const MinPrdAuditRetentionDays = 400

// maxAuditRetentionDays keeps the TTL a plausible number (ten years).
const maxAuditRetentionDays = 3653

func (c Config) validateAudit(bad func(field, format string, args ...any)) {
	a := c.Audit
	switch {
	case a.RetentionDays < 1 || a.RetentionDays > maxAuditRetentionDays:
		bad("Audit.RetentionDays", "must be between 1 and %d, got %d", maxAuditRetentionDays, a.RetentionDays)
	case c.Name == "prd" && a.RetentionDays < MinPrdAuditRetentionDays:
		bad("Audit.RetentionDays", "prd keeps audit records at least %d days, got %d", MinPrdAuditRetentionDays, a.RetentionDays)
	}
	if c.Name == "prd" && !a.PointInTimeRecovery {
		bad("Audit.PointInTimeRecovery", "must be true in prd: the audit trail must be restorable")
	}
}

// eventSource is the source of the environment's user events: product and environment.
func (c Config) eventSource() string { return "useradmin." + c.Name }

// eventBusName names the environment's bus, so subscribers can write it down.
func (c Config) eventBusName() string { return "useradmin-" + c.Name }

// auditNagSuppressions are the cdk-nag suppressions of the audit table and
// the user events; NagSuppressions calls it.
func auditNagSuppressions(suppress func(path string, s ...*cdknag.NagPackSuppression), c Config) {
	suppress("UserEventsDeadLetters/Resource", &cdknag.NagPackSuppression{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is the dead-letter queue of the user events pipe; a dead-letter queue of its own would only move the same messages again."),
	})
	suppress("UserEventsPipeRole/DefaultPolicy/Resource", &cdknag.NagPackSuppression{
		Id:        jsii.String("AwsSolutions-IAM5"),
		AppliesTo: &[]any{"Resource::*"},
		Reason: jsii.String("dynamodb:ListStreams, which EventBridge Pipes documents for a DynamoDB stream source, has no resource-level permissions; " +
			"the stream's own actions (DescribeStream, GetRecords, GetShardIterator) are on the audit table's stream ARN only."),
	})
	if !c.Audit.PointInTimeRecovery {
		suppress("AuditTable/Resource", &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-DDB3"),
			Reason: jsii.String("Point-in-time recovery is set per environment (Config.Audit.PointInTimeRecovery): on in stg and prd (where Validate requires it); " +
				"dev's audit records are test data that expire after 90 days."),
		})
	}
}
