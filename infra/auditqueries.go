package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// AuditQueriesProps configures NewAuditQueries.
type AuditQueriesProps struct {
	// LogGroup is the Lambda's, where the audit lines are.
	LogGroup awslogs.ILogGroup
	Config   Config
}

// Placeholders in the saved queries that take a person: Logs Insights has
// no parameters, so the query opens with an example address to overwrite.
const (
	queryUserPlaceholder  = "user@example.com"
	queryAdminPlaceholder = "admin@example.com"
)

// auditQuery is one saved query: its name under the stack's folder and its parts.
type auditQuery struct {
	id, name      string
	fields        []string
	filter, stats string
	sort          string
}

// auditQueries are the saved Logs Insights queries, in the console's
// Queries list under the folder UserAdmin-<env>.
func auditQueries() []auditQuery {
	eq := func(field, value string) string { return fmt.Sprintf("%s = %q", field, value) }
	audit := eq(auditlog.MessageKey, auditlog.Message)
	who := []string{"@timestamp", auditlog.Action, auditlog.Target, auditlog.Group, auditlog.Groups, auditlog.InvitationSent,
		auditlog.Outcome, auditlog.Status, auditlog.CallerEmail, auditlog.CallerSub, auditlog.CallerRoles, auditlog.Permission,
		auditlog.Rule, auditlog.Notice, auditlog.RequestID}
	return []auditQuery{
		{id: "ChangesToUser", name: "changes to one user (replace the email)", fields: who,
			filter: audit + " and " + eq(auditlog.Target, queryUserPlaceholder), sort: "@timestamp desc"},
		{id: "ChangesByAdmin", name: "changes by one admin (replace the email)", fields: who,
			filter: audit + " and " + eq(auditlog.CallerEmail, queryAdminPlaceholder), sort: "@timestamp desc"},
		{id: "Refusals", name: "refusals", fields: who,
			filter: fmt.Sprintf("%s and %s >= 400 and %s < 500", audit, auditlog.Status, auditlog.Status), sort: "@timestamp desc"},
		{id: "RoleChanges", name: "role changes", fields: who,
			filter: fmt.Sprintf("%s and %s in [%q, %q]", audit, auditlog.Action, auditlog.ActionRoleGrant, auditlog.ActionRoleRevoke), sort: "@timestamp desc"},
		{id: "CreatesPerDay", name: "creates per day",
			filter: fmt.Sprintf("%s and %s and %s", audit, eq(auditlog.Action, auditlog.ActionCreate), eq(auditlog.Outcome, auditlog.OutcomeSuccess)),
			stats:  "count(*) as creates by bin(1d)"},
	}
}

// NewAuditQueries saves the audit queries over LogGroup.
func NewAuditQueries(scope constructs.Construct, id string, props *AuditQueriesProps) []awslogs.QueryDefinition {
	var out []awslogs.QueryDefinition
	for _, q := range auditQueries() {
		qs := &awslogs.QueryStringProps{FilterStatements: jsii.Strings(q.filter)}
		if len(q.fields) > 0 {
			qs.Fields = jsii.Strings(q.fields...)
			qs.Limit = jsii.Number(1000)
		}
		if q.stats != "" {
			qs.StatsStatements = jsii.Strings(q.stats)
		}
		if q.sort != "" {
			qs.Sort = jsii.String(q.sort)
		}
		out = append(out, awslogs.NewQueryDefinition(scope, jsii.String(id+q.id), &awslogs.QueryDefinitionProps{
			QueryDefinitionName: jsii.String(props.Config.StackName() + "/" + q.name),
			QueryString:         awslogs.NewQueryString(qs),
			LogGroups:           &[]interfacesawslogs.ILogGroupRef{props.LogGroup},
		}))
	}
	return out
}
