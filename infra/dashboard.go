package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// DashboardProps configures NewDashboard.
type DashboardProps struct {
	Function awslambda.IFunction
	Stage    awsapigateway.Stage
	Metrics  AuditMetrics
	// Alarms, when not empty, get a status row at the top.
	Alarms []awscloudwatch.Alarm
	Config Config
}

// NewDashboard creates the environment's CloudWatch dashboard,
// UserAdmin-<env>: requests, errors and latency of the API and the
// function, then what the audit lines say: creates per hour, invitations
// sent, refusals by error code.
func NewDashboard(scope constructs.Construct, id string, props *DashboardProps) awscloudwatch.Dashboard {
	c, stage, fn, m := props.Config, props.Stage, props.Function, props.Metrics
	five := awscdk.Duration_Minutes(jsii.Number(5))
	hour := awscdk.Duration_Hours(jsii.Number(1))
	opts := func(stat, label string, period awscdk.Duration) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Label: jsii.String(label), Period: period}
	}
	graph := func(title string, width float64, left []awscloudwatch.IMetric, right ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		p := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left}
		if len(right) > 0 {
			p.Right = &right
		}
		return awscloudwatch.NewGraphWidget(p)
	}
	var rows []*[]awscloudwatch.IWidget
	if len(props.Alarms) > 0 {
		refs := make([]interfacesawscloudwatch.IAlarmRef, len(props.Alarms))
		for i, a := range props.Alarms {
			refs[i] = a
		}
		rows = append(rows, &[]awscloudwatch.IWidget{awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title:  jsii.String("Alarms (what each means and what to do: the alarm's description, and docs/operations.md)"),
			Alarms: &refs, Width: jsii.Number(24), Height: jsii.Number(3),
		})})
	}
	rows = append(rows,
		&[]awscloudwatch.IWidget{
			graph("API requests (per 5 minutes)", 8, []awscloudwatch.IMetric{stage.MetricCount(opts("Sum", "requests", five))}),
			graph("API errors (per 5 minutes)", 8, []awscloudwatch.IMetric{
				stage.MetricClientError(opts("Sum", "4xx", five)),
				stage.MetricServerError(opts("Sum", "5xx", five)),
			}, fn.MetricErrors(opts("Sum", "function errors", five)), fn.MetricThrottles(opts("Sum", "function throttles", five))),
			graph("Latency (ms)", 8, []awscloudwatch.IMetric{
				stage.MetricLatency(opts("p50", "API p50", five)),
				stage.MetricLatency(opts("p99", "API p99", five)),
				fn.MetricDuration(opts("p99", "function p99", five)),
			}),
		},
		&[]awscloudwatch.IWidget{
			graph("Users created (per hour)", 8, []awscloudwatch.IMetric{m.Changes(auditlog.ActionCreate, hour)}),
			graph("Invitations sent (per hour; Cognito's own sender: 50 a day)", 8, []awscloudwatch.IMetric{m.InvitationsSent(hour)}),
			graph("Refusals by code (per hour)", 8, []awscloudwatch.IMetric{m.RefusalsByCode(hour)}),
		},
	)
	return awscloudwatch.NewDashboard(scope, jsii.String(id), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(c.StackName()),
		Widgets:       &rows,
		// A day by default: invitations and creates per hour need the span.
		DefaultInterval: awscdk.Duration_Days(jsii.Number(1)),
	})
}
