package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// Metric names and dimensions the audit filters publish, in Config.metricsNamespace().
const (
	// metricRefusals counts 4xx audit lines, with dimension dimCode = the error code.
	metricRefusals = "Refusals"
	dimCode        = "Code"
	// metricChanges counts successful changes, with dimension dimAction = the audit action.
	metricChanges = "Changes"
	dimAction     = "Action"
	// metricInvitations counts invitation emails Cognito accepted.
	metricInvitations = "InvitationsSent"
)

// AuditMetricsProps configures NewAuditMetrics.
type AuditMetricsProps struct {
	// LogGroup is the Lambda's, where the audit lines are.
	LogGroup awslogs.ILogGroup
	Config   Config
}

// AuditMetrics are the CloudWatch metrics made from the Lambda's audit lines.
type AuditMetrics interface {
	// Refusals counts refused calls (4xx) with the given error code, e.g. "Forbidden".
	Refusals(code string, period awscdk.Duration) awscloudwatch.Metric
	// RefusalsByCode is one line per error code that occurred (a SEARCH expression: dashboards only).
	RefusalsByCode(period awscdk.Duration) awscloudwatch.IMetric
	// Changes counts successful changes of one audit action, e.g. "create".
	Changes(action string, period awscdk.Duration) awscloudwatch.Metric
	// InvitationsSent counts invitation emails Cognito accepted (creates and resends).
	InvitationsSent(period awscdk.Duration) awscloudwatch.Metric
}

type auditMetrics struct{ namespace string }

// audit filters match on the field names of lambda/auditlog, which the
// handler writes and a test there pins.
func auditPattern(conds ...string) awslogs.IFilterPattern {
	p := fmt.Sprintf("{ $.%s = %q", auditlog.MessageKey, auditlog.Message)
	for _, c := range conds {
		p += " && " + c
	}
	return awslogs.FilterPattern_Literal(jsii.String(p + " }"))
}

// NewAuditMetrics creates three metric filters on the Lambda's log group,
// kept few because each filter and each dimension value is billed as a
// custom metric: refusals by error code, successful changes by action, and
// invitations sent. Filters with dimensions publish only when a line
// matches (CloudWatch allows no default value with dimensions), so alarms
// on them treat missing data as fine.
func NewAuditMetrics(scope constructs.Construct, id string, props *AuditMetricsProps) AuditMetrics {
	c := props.Config
	ns := c.metricsNamespace()
	for _, f := range []struct {
		id, metric string
		pattern    awslogs.IFilterPattern
		dims       map[string]string
		def        *float64
	}{
		{"Refusals", metricRefusals,
			auditPattern(fmt.Sprintf("$.%s >= 400 && $.%s < 500", auditlog.Status, auditlog.Status)),
			map[string]string{dimCode: "$." + auditlog.Outcome}, nil},
		{"Changes", metricChanges,
			auditPattern(fmt.Sprintf("$.%s = %q", auditlog.Outcome, auditlog.OutcomeSuccess)),
			map[string]string{dimAction: "$." + auditlog.Action}, nil},
		{"Invitations", metricInvitations,
			auditPattern(fmt.Sprintf("$.%s IS TRUE", auditlog.InvitationSent)),
			nil, jsii.Number(0)},
	} {
		var dims *map[string]*string
		if f.dims != nil {
			m := map[string]*string{}
			for k, v := range f.dims {
				m[k] = jsii.String(v)
			}
			dims = &m
		}
		awslogs.NewMetricFilter(scope, jsii.String(id+f.id), &awslogs.MetricFilterProps{
			LogGroup:        props.LogGroup,
			FilterPattern:   f.pattern,
			MetricNamespace: jsii.String(ns),
			MetricName:      jsii.String(f.metric),
			MetricValue:     jsii.String("1"),
			Dimensions:      dims,
			DefaultValue:    f.def,
		})
	}
	return &auditMetrics{namespace: ns}
}

func (m *auditMetrics) metric(name string, dims map[string]string, period awscdk.Duration, label string) awscloudwatch.Metric {
	var d *map[string]*string
	if dims != nil {
		mm := map[string]*string{}
		for k, v := range dims {
			mm[k] = jsii.String(v)
		}
		d = &mm
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(m.namespace),
		MetricName:    jsii.String(name),
		DimensionsMap: d,
		Statistic:     jsii.String("Sum"),
		Period:        period,
		Label:         jsii.String(label),
	})
}

func (m *auditMetrics) Refusals(code string, period awscdk.Duration) awscloudwatch.Metric {
	return m.metric(metricRefusals, map[string]string{dimCode: code}, period, code)
}

func (m *auditMetrics) RefusalsByCode(period awscdk.Duration) awscloudwatch.IMetric {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', 'Sum', %d)`,
			m.namespace, dimCode, metricRefusals, int(*period.ToSeconds(nil)))),
		Period: period,
		Label:  jsii.String(""),
	})
}

func (m *auditMetrics) Changes(action string, period awscdk.Duration) awscloudwatch.Metric {
	return m.metric(metricChanges, map[string]string{dimAction: action}, period, action)
}

func (m *auditMetrics) InvitationsSent(period awscdk.Duration) awscloudwatch.Metric {
	return m.metric(metricInvitations, nil, period, "invitations sent")
}
