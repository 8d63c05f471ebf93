package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// AuditTableProps configures NewAuditTable.
type AuditTableProps struct {
	Config Config
}

// NewAuditTable creates the audit table: one item per record, keyed by the
// target user and time, with indexes by actor and time and by day across
// the pool (lambda/audit names the attributes). Its stream (new images)
// feeds the user events. Records expire by TTL after Config.Audit.RetentionDays;
// in prd the table is retained and deletion-protected, with point-in-time recovery.
func NewAuditTable(scope constructs.Construct, id string, props *AuditTableProps) awsdynamodb.Table {
	c := props.Config
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	tp := &awsdynamodb.TableProps{
		PartitionKey:        str(audit.AttrPK),
		SortKey:             str(audit.AttrSK),
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Stream:              awsdynamodb.StreamViewType_NEW_IMAGE,
		TimeToLiveAttribute: jsii.String(audit.AttrExpiresAt),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(c.Audit.PointInTimeRecovery),
		},
		RemovalPolicy:      removalPolicy(c),
		DeletionProtection: jsii.Bool(c.Retain),
		Encryption:         awsdynamodb.TableEncryption_DEFAULT, // AWS-owned key
	}
	if c.Audit.CustomerKey {
		tp.Encryption = awsdynamodb.TableEncryption_CUSTOMER_MANAGED
		tp.EncryptionKey = awskms.NewKey(scope, jsii.String(id+"Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the " + c.StackName() + " audit table and its stream"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     removalPolicy(c),
		})
	}
	table := awsdynamodb.NewTable(scope, jsii.String(id), tp)
	for _, ix := range []struct{ name, pk string }{{audit.IndexByActor, audit.AttrActor}, {audit.IndexByDay, audit.AttrDay}} {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:    jsii.String(ix.name),
			PartitionKey: str(ix.pk),
			SortKey:      str(audit.AttrSK),
			// All attributes: a page is answered from the index alone, without a read per item.
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return table
}
