package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// WebACLProps configures NewWebACL.
type WebACLProps struct {
	Stage  awsapigateway.Stage
	Config Config
	// CORSOrigins are the API's (apiOrigins); a blocked request answers the first.
	CORSOrigins []string
}

// wafCountOnly are the common rule set's rules that only count (and log)
// here instead of blocking, each because it would block valid calls of
// this API, whose backend never uses what they guard against:
var wafCountOnly = []string{
	// The query string carries nextToken, a wrapped Cognito pagination
	// token whose length is Cognito's to choose; the Lambda accepts only a
	// token it issued. 2 KB is this rule's limit.
	"SizeRestrictions_QUERYSTRING",
	// The only free-text body field is temporaryPassword, which an admin
	// may choose: "../" or "<a" are valid password characters. The Lambda
	// decodes JSON strictly and passes the value to Cognito only; nothing
	// renders it as HTML or opens it as a path.
	"CrossSiteScripting_BODY",
	"GenericLFI_BODY",
	// Bodies over 8 KB: a CSV an import preview checks is larger. The
	// rule bodySizeRule blocks them on every other route instead.
	"SizeRestrictions_BODY",
}

// maxBodyOutsidePreview is SizeRestrictions_BODY's limit, the most WAF
// inspects of a body by default (8 KB).
const maxBodyOutsidePreview = 8192

// previewPath is the one route whose body may be larger: POST
// /imports/preview, whose Lambda caps the CSV itself (1 MiB). The path WAF
// sees starts with the stage, so it is matched by its end; nothing else
// ends so (a path that did would be no route, answered 404 by API Gateway).
const previewPath = "/imports/preview"

// bodySizeRule blocks bodies over 8 KB except on POST /imports/preview
// and, with SCIM, on /scim/v2/Groups: SizeRestrictions_BODY, scoped down
// by the path and method. An identity provider pushes a group with every
// member in one body (Okta's PUT, Entra ID's PATCH of members), which
// passes 8 KB at about a hundred members. (The rule keeps its name: a
// renamed rule is a new one.)
func bodySizeRule(priority float64, visibility *awswafv2.CfnWebACL_VisibilityConfigProperty, c Config) *awswafv2.CfnWebACL_RuleProperty {
	none := &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}}
	match := func(field *awswafv2.CfnWebACL_FieldToMatchProperty, value, position string) *awswafv2.CfnWebACL_StatementProperty {
		return &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
			FieldToMatch: field, SearchString: jsii.String(value), PositionalConstraint: jsii.String(position), TextTransformations: none,
		}}
	}
	preview := &awswafv2.CfnWebACL_StatementProperty{AndStatement: &awswafv2.CfnWebACL_AndStatementProperty{Statements: &[]any{
		match(&awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}}, previewPath, "ENDS_WITH"),
		match(&awswafv2.CfnWebACL_FieldToMatchProperty{Method: map[string]any{}}, "POST", "EXACTLY"),
	}}}
	if c.SCIM != nil {
		// The path WAF sees starts with the stage: /<stage>/scim/v2/Groups…
		groups := match(&awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}}, "/"+c.Name+"/scim/v2/Groups", "STARTS_WITH")
		preview = &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &[]any{preview, groups}}}
	}
	return &awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String("BodySizeExceptImportPreview"),
		Priority: jsii.Number(priority),
		Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
		Statement: &awswafv2.CfnWebACL_StatementProperty{AndStatement: &awswafv2.CfnWebACL_AndStatementProperty{Statements: &[]any{
			&awswafv2.CfnWebACL_StatementProperty{SizeConstraintStatement: &awswafv2.CfnWebACL_SizeConstraintStatementProperty{
				// MATCH: a body longer than WAF inspects is over the limit, as in the managed rule.
				FieldToMatch:        &awswafv2.CfnWebACL_FieldToMatchProperty{Body: &awswafv2.CfnWebACL_BodyProperty{OversizeHandling: jsii.String("MATCH")}},
				ComparisonOperator:  jsii.String("GT"),
				Size:                jsii.Number(maxBodyOutsidePreview),
				TextTransformations: none,
			}},
			&awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{Statement: preview}},
		}}},
		VisibilityConfig: visibility,
	}
}

// NewWebACL creates a regional AWS WAF web ACL on the API stage (there is
// no L2 construct for WAF): a rate limit per client IP, then AWS's
// known-bad-inputs and common rule sets. Requests WAF blocks or counts are
// logged, with the Authorization header redacted, to a log group kept as
// long as the environment's other logs.
func NewWebACL(scope constructs.Construct, id string, props *WebACLProps) awswafv2.CfnWebACL {
	c := props.Config
	name := "useradmin-" + c.Name
	visibility := func(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(name + "-" + metric),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	managed := func(priority float64, group string, overrides ...string) *awswafv2.CfnWebACL_RuleProperty {
		stmt := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(group)}
		if len(overrides) > 0 {
			var o []any
			for _, r := range overrides {
				o = append(o, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
					Name:        jsii.String(r),
					ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
				})
			}
			stmt.RuleActionOverrides = &o
		}
		return &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(group),
			Priority:         jsii.Number(priority),
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: stmt},
			VisibilityConfig: visibility(group),
		}
	}
	acl := awswafv2.NewCfnWebACL(scope, jsii.String(id), &awswafv2.CfnWebACLProps{
		Name:             jsii.String(name),
		Description:      jsii.String("The " + c.Name + " admin API: a rate limit per client IP and AWS managed rules"),
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility("acl"),
		Rules: &[]any{
			&awswafv2.CfnWebACL_RuleProperty{
				Name:     jsii.String("RateLimitPerIP"),
				Priority: jsii.Number(0),
				Action:   &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType:    jsii.String("IP"),
					Limit:               jsii.Number(c.WAF.RateLimit),
					EvaluationWindowSec: jsii.Number(300),
				}},
				VisibilityConfig: visibility("rate-per-ip"),
			},
			managed(1, "AWSManagedRulesKnownBadInputsRuleSet"),
			managed(2, "AWSManagedRulesCommonRuleSet", wafCountOnly...),
			bodySizeRule(3, visibility("body-size"), c),
		},
	})

	assoc := awswafv2.NewCfnWebACLAssociation(scope, jsii.String(id+"Association"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: props.Stage.StageArn(),
		WebAclArn:   acl.AttrArn(),
	})
	// The stage ARN is built from names, not a reference: wait for the stage itself.
	assoc.Node().AddDependency(props.Stage)

	// A blocked request answers in the API's error shape, not API Gateway's default 4xx.
	headers := map[string]*string{}
	if len(props.CORSOrigins) > 0 {
		headers["Access-Control-Allow-Origin"] = jsii.String("'" + props.CORSOrigins[0] + "'")
	}
	awsapigateway.NewGatewayResponse(scope, jsii.String(id+"Blocked"), &awsapigateway.GatewayResponseProps{
		RestApi:    props.Stage.RestApi(),
		Type:       awsapigateway.ResponseType_WAF_FILTERED(),
		StatusCode: jsii.String("403"),
		Templates: errorTemplate("RequestBlocked",
			`"The web application firewall blocked this request: too many requests from this address, or content matching a protection rule."`),
		ResponseHeaders: &headers,
	})

	// WAF writes only to log groups whose names start with aws-waf-logs-.
	logName := "aws-waf-logs-" + name
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(logName),
		Retention:     c.logRetention(),
		RemovalPolicy: removalPolicy(c),
	})
	// WAF wants the log group's ARN without CloudFormation's trailing ":*".
	logArn := awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: logs.LogGroupName(),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	logging := awswafv2.NewCfnLoggingConfiguration(scope, jsii.String(id+"Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           acl.AttrArn(),
		LogDestinationConfigs: &[]any{logArn},
		// ID tokens must never reach a log.
		RedactedFields: &[]any{&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{
			SingleHeader: map[string]any{"Name": "authorization"},
		}},
		// Allowed requests are in the API's access logs already; keep what WAF acted on.
		// A JSON property to CDK: written with CloudFormation's own casing.
		LoggingFilter: map[string]any{
			"DefaultBehavior": "DROP",
			"Filters": []any{map[string]any{
				"Behavior":    "KEEP",
				"Requirement": "MEETS_ANY",
				"Conditions": []any{
					map[string]any{"ActionCondition": map[string]any{"Action": "BLOCK"}},
					map[string]any{"ActionCondition": map[string]any{"Action": "COUNT"}},
					// Managed rules overridden to Count match this, not COUNT.
					map[string]any{"ActionCondition": map[string]any{"Action": "EXCLUDED_AS_COUNT"}},
				},
			}},
		},
	})
	logging.Node().AddDependency(logs)
	// WAF needs CloudWatch Logs to let its delivery service write to the
	// group. Without a policy that does, it appends a statement to the
	// account's own resource policy, which every web ACL logging there
	// shares and which is capped at 5,120 characters; this stack owns the
	// grant instead, for its group only (an account and region hold at most
	// 10 resource policies).
	stack := awscdk.Stack_Of(scope)
	policy := awslogs.NewResourcePolicy(scope, jsii.String(id+"LogsPolicy"), &awslogs.ResourcePolicyProps{
		ResourcePolicyName: jsii.String(name + "-waf-logs"),
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WAFLogDelivery"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources:  &[]*string{jsii.String(*logArn + ":log-stream:*")},
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
				"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("logs"), Resource: jsii.String("*"), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
				})},
			},
		})},
	})
	logging.Node().AddDependency(policy)
	return acl
}
