package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// grantAudit lets fn call exactly what lambda/audit's Store calls: PutItem
// on the table (its condition keeps records append-only; there is no
// UpdateItem or DeleteItem), and Query on the table and its two indexes.
// Table.Grant* would add more (BatchWriteItem, Scan, DescribeTable).
func grantAudit(fn awslambda.Function, table awsdynamodb.Table) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: &[]*string{table.TableArn()},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:Query"),
		Resources: &[]*string{table.TableArn(),
			jsii.String(*table.TableArn() + "/index/" + audit.IndexByActor),
			jsii.String(*table.TableArn() + "/index/" + audit.IndexByDay)},
	}))
	if key := table.EncryptionKey(); key != nil {
		key.GrantEncryptDecrypt(fn)
	}
}
