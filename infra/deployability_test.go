package infra

import (
	"slices"
	"strings"
	"testing"
)

// TestTerminationProtection: the stacks whose users are retained (prd)
// refuse deletion until the protection is turned off; the others do not.
func TestTerminationProtection(t *testing.T) {
	for _, c := range Environments() {
		app, dir := testApp(t)
		stack, err := NewUserAdminStack(app, &UserAdminStackProps{Config: c, ModuleDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := *stack.TerminationProtection(), c.Name == "prd"; got != want {
			t.Errorf("%s: termination protection %v, want %v", c.Name, got, want)
		}
	}
}

// TestExecutionLogGroup: the stage's execution log group, which API
// Gateway would create outside the stack with no retention, is the
// stack's, with the environment's retention, and exists before the stage.
func TestExecutionLogGroup(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		tpl := envTemplate(t, env)
		var apiID string
		for id := range resources(tpl, "AWS::ApiGateway::RestApi") {
			apiID = id
		}
		want := map[string]any{"Fn::Join": []any{"", []any{"API-Gateway-Execution-Logs_", map[string]any{"Ref": apiID}, "/" + env}}}
		var groupID string
		for id, lg := range resources(tpl, "AWS::Logs::LogGroup") {
			if equalJSON(props(lg)["LogGroupName"], want) {
				groupID = id
				days := map[string]float64{"dev": 7, "stg": 30, "prd": 365}[env]
				if props(lg)["RetentionInDays"] != days {
					t.Errorf("%s: execution log retention %v, want %v", env, props(lg)["RetentionInDays"], days)
				}
			}
		}
		if groupID == "" {
			t.Errorf("%s: no log group named %v", env, want)
			continue
		}
		for id, st := range resources(tpl, "AWS::ApiGateway::Stage") {
			if !slices.Contains(toStrings(st["DependsOn"]), groupID) {
				t.Errorf("%s: stage %s does not wait for %s (DependsOn %v)", env, id, groupID, st["DependsOn"])
			}
		}
	}
}

// TestWAFLogsPolicy: where a web ACL logs, the stack owns the CloudWatch
// Logs resource policy that lets WAF's delivery write to its group (and
// only that group, for this account), and logging waits for it.
func TestWAFLogsPolicy(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		tpl := envTemplate(t, env)
		policies := resources(tpl, "AWS::Logs::ResourcePolicy")
		c, _ := Environment(env)
		if c.WAF == nil {
			if len(policies) != 0 {
				t.Errorf("%s: no web ACL, yet %d log resource policies", env, len(policies))
			}
			continue
		}
		if len(policies) != 1 {
			t.Fatalf("%s: %d log resource policies, want 1", env, len(policies))
		}
		var wafLogs string
		for id, lg := range resources(tpl, "AWS::Logs::LogGroup") {
			if props(lg)["LogGroupName"] == "aws-waf-logs-useradmin-"+env {
				wafLogs = id
			}
		}
		var policyID string
		for id, p := range policies {
			policyID = id
			if props(p)["PolicyName"] != "useradmin-"+env+"-waf-logs" {
				t.Errorf("%s: policy name %v", env, props(p)["PolicyName"])
			}
			doc := mustJSONTest(props(p)["PolicyDocument"])
			for _, want := range []string{
				`delivery.logs.amazonaws.com`, `[\"logs:CreateLogStream\",\"logs:PutLogEvents\"]`,
				`:log-group:",{"Ref":"` + wafLogs + `"},":log-stream:*`, `aws:SourceAccount`, `aws:SourceArn`,
			} {
				if !strings.Contains(doc, want) {
					t.Errorf("%s: policy document lacks %s: %s", env, want, doc)
				}
			}
		}
		for _, lc := range resources(tpl, "AWS::WAFv2::LoggingConfiguration") {
			if !slices.Contains(toStrings(lc["DependsOn"]), policyID) {
				t.Errorf("%s: logging does not wait for the policy: %v", env, lc["DependsOn"])
			}
		}
	}
}

// TestSESVerifiedDomain: with a verified domain, Cognito sends through the
// domain identity; the sender must be an address on that domain.
func TestSESVerifiedDomain(t *testing.T) {
	c, _ := Environment("prd")
	c.Region = "eu-west-1"
	c.SES = &SESSender{FromEmail: "no-reply@example.org", VerifiedDomain: "example.org"}
	tpl := synth(t, c)
	pool := props(resources(tpl, "AWS::Cognito::UserPool")["UserPool"])
	ec := pool["EmailConfiguration"].(map[string]any)
	if ec["EmailSendingAccount"] != "DEVELOPER" || ec["From"] != "no-reply@example.org" ||
		!strings.HasSuffix(mustJSONTest(ec["SourceArn"]), `":identity/example.org"]]}`) {
		t.Errorf("EmailConfiguration = %s", mustJSONTest(ec))
	}
	for _, bad := range []SESSender{
		{FromEmail: "no-reply@example.com", VerifiedDomain: "example.org"},
		{FromEmail: "no-reply@notexample.org", VerifiedDomain: "example.org"},
		{FromEmail: "no-reply@mail.example.org", VerifiedDomain: "example.org"},
		{FromEmail: "no-reply@example.org", VerifiedDomain: "not a domain"},
	} {
		c.SES = &bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SES.VerifiedDomain") {
			t.Errorf("%+v: err = %v, want one naming SES.VerifiedDomain", bad, err)
		}
	}
}
