package infra

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// The audit table: the keys and indexes lambda/audit queries, the stream
// the pipe reads, TTL, and per environment recovery, retention and encryption.
func TestAuditTable(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			id, table := only(t, tpl, "AWS::DynamoDB::Table")
			p := props(table)
			key := func(pk string) []any {
				return []any{map[string]any{"AttributeName": pk, "KeyType": "HASH"}, map[string]any{"AttributeName": audit.AttrSK, "KeyType": "RANGE"}}
			}
			if !equalJSON(p["KeySchema"], key(audit.AttrPK)) || p["BillingMode"] != "PAY_PER_REQUEST" {
				t.Errorf("keys %v, billing %v", p["KeySchema"], p["BillingMode"])
			}
			gsis := map[string]any{}
			for _, g := range p["GlobalSecondaryIndexes"].([]any) {
				g := g.(map[string]any)
				gsis[g["IndexName"].(string)] = g
				if g["Projection"].(map[string]any)["ProjectionType"] != "ALL" {
					t.Errorf("index %v projection", g["IndexName"])
				}
			}
			for name, pk := range map[string]string{audit.IndexByActor: audit.AttrActor, audit.IndexByDay: audit.AttrDay} {
				g, ok := gsis[name].(map[string]any)
				if !ok || !equalJSON(g["KeySchema"], key(pk)) {
					t.Errorf("index %s = %v", name, gsis[name])
				}
			}
			if len(gsis) != 2 {
				t.Errorf("indexes %v", gsis)
			}
			if !equalJSON(p["StreamSpecification"], map[string]any{"StreamViewType": "NEW_IMAGE"}) ||
				!equalJSON(p["TimeToLiveSpecification"], map[string]any{"AttributeName": audit.AttrExpiresAt, "Enabled": true}) {
				t.Errorf("stream %v, TTL %v", p["StreamSpecification"], p["TimeToLiveSpecification"])
			}
			pitr := p["PointInTimeRecoverySpecification"].(map[string]any)["PointInTimeRecoveryEnabled"]
			if want := env != "dev"; pitr != want {
				t.Errorf("PITR %v, want %v", pitr, want)
			}
			retain := env == "prd"
			if strings.HasPrefix(table["DeletionPolicy"].(string), "Retain") != retain || (p["DeletionProtectionEnabled"] == true) != retain {
				t.Errorf("%s: DeletionPolicy %v, protection %v; want retained only in prd", id, table["DeletionPolicy"], p["DeletionProtectionEnabled"])
			}
			// SSEEnabled false is DynamoDB's AWS-owned key (true would be the AWS-managed one, or a customer key).
			if !equalJSON(p["SSESpecification"], map[string]any{"SSEEnabled": false}) {
				t.Errorf("SSE %v, want DynamoDB's AWS-owned key", p["SSESpecification"])
			}
			// The function learns the table and the TTL it sets.
			_, fn := only(t, tpl, "AWS::Lambda::Function")
			vars := props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
			c, _ := Environment(env)
			if !equalJSON(vars["AUDIT_TABLE"], map[string]any{"Ref": id}) || vars["AUDIT_RETENTION_DAYS"] != strconv.Itoa(c.Audit.RetentionDays) {
				t.Errorf("function env %v %v", vars["AUDIT_TABLE"], vars["AUDIT_RETENTION_DAYS"])
			}
		})
	}
}

// The function may PutItem on the table and Query it and its two indexes:
// nothing else on DynamoDB (no update, delete, scan), nowhere else.
func TestAuditLeastPrivilege(t *testing.T) {
	tpl := envTemplate(t, "dev")
	tableID, _ := only(t, tpl, "AWS::DynamoDB::Table")
	arn := map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}
	index := func(name string) any {
		return map[string]any{"Fn::Join": []any{"", []any{arn, "/index/" + name}}}
	}
	want := []any{
		map[string]any{"Action": "dynamodb:PutItem", "Effect": "Allow", "Resource": arn},
		map[string]any{"Action": "dynamodb:Query", "Effect": "Allow", "Resource": []any{arn, index(audit.IndexByActor), index(audit.IndexByDay)}},
	}
	var got []any
	for id, p := range resources(tpl, "AWS::IAM::Policy") {
		for _, s := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			acts := toStrings(s.(map[string]any)["Action"])
			if strings.HasPrefix(acts[0], "dynamodb:") && strings.HasPrefix(id, "AdminFunctionRole") {
				got = append(got, s)
			}
		}
	}
	if !equalJSON(got, want) {
		b, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("function's DynamoDB statements:\n%s", b)
	}
}

// The pipe: from the table's stream to the environment's bus, only
// successful changes (the filter), detail-type and detail from the item,
// source naming product and environment, failed batches to the queue.
func TestUserEvents(t *testing.T) {
	for _, env := range []string{"dev", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			tableID, _ := only(t, tpl, "AWS::DynamoDB::Table")
			busID, bus := only(t, tpl, "AWS::Events::EventBus")
			queueID, queue := only(t, tpl, "AWS::SQS::Queue")
			_, pipe := only(t, tpl, "AWS::Pipes::Pipe")
			if props(bus)["Name"] != "useradmin-"+env {
				t.Errorf("bus name %v", props(bus)["Name"])
			}
			if !equalJSON(props(queue)["SqsManagedSseEnabled"], true) {
				t.Errorf("queue not encrypted: %v", props(queue))
			}
			p := props(pipe)
			src := p["SourceParameters"].(map[string]any)
			ddb := src["DynamoDBStreamParameters"].(map[string]any)
			if !equalJSON(p["Source"], map[string]any{"Fn::GetAtt": []any{tableID, "StreamArn"}}) ||
				!equalJSON(p["Target"], map[string]any{"Fn::GetAtt": []any{busID, "Arn"}}) ||
				ddb["StartingPosition"] != "TRIM_HORIZON" ||
				!equalJSON(ddb["DeadLetterConfig"], map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{queueID, "Arn"}}}) {
				t.Errorf("pipe %v", p)
			}
			filters := src["FilterCriteria"].(map[string]any)["Filters"].([]any)
			if len(filters) != 1 || filters[0].(map[string]any)["Pattern"] != PipeFilter {
				t.Errorf("filters %v", filters)
			}
			tp := p["TargetParameters"].(map[string]any)
			eb := tp["EventBridgeEventBusParameters"].(map[string]any)
			if tp["InputTemplate"] != "<$.dynamodb.NewImage.detail.S>" || eb["DetailType"] != "$.dynamodb.NewImage.eventType.S" || eb["Source"] != "useradmin."+env {
				t.Errorf("target parameters %v", tp)
			}
			// The pipe's role: the stream's read actions on the stream, PutEvents on the bus, SendMessage on the queue.
			var stmts []string
			for id, pol := range resources(tpl, "AWS::IAM::Policy") {
				if !strings.HasPrefix(id, "UserEventsPipeRole") {
					continue
				}
				for _, s := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					st := s.(map[string]any)
					b, _ := json.Marshal(st["Resource"])
					stmts = append(stmts, strings.Join(toStrings(st["Action"]), ",")+" on "+string(b))
				}
			}
			slices.Sort(stmts)
			want := []string{
				`dynamodb:DescribeStream,dynamodb:GetRecords,dynamodb:GetShardIterator on {"Fn::GetAtt":["` + tableID + `","StreamArn"]}`,
				`dynamodb:ListStreams on "*"`,
				`events:PutEvents on {"Fn::GetAtt":["` + busID + `","Arn"]}`,
				`sqs:SendMessage on {"Fn::GetAtt":["` + queueID + `","Arn"]}`,
			}
			if !slices.Equal(stmts, want) {
				t.Errorf("pipe role statements:\n%s\nwant\n%s", strings.Join(stmts, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestAuditConfig(t *testing.T) {
	prd, _ := Environment("prd")
	for name, tc := range map[string]struct {
		change func(*Config)
		want   string
	}{
		"prd keeps 400 days": {func(c *Config) { c.Audit.RetentionDays = 399 }, "Audit.RetentionDays"},
		"prd has PITR":       {func(c *Config) { c.Audit.PointInTimeRecovery = false }, "Audit.PointInTimeRecovery"},
		"some retention":     {func(c *Config) { c.Name = "dev"; c.Retain = false; c.Audit.RetentionDays = 0 }, "Audit.RetentionDays"},
	} {
		t.Run(name, func(t *testing.T) {
			c := prd
			tc.change(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if prd.Audit.RetentionDays < MinPrdAuditRetentionDays {
		t.Errorf("shipped prd keeps %d days", prd.Audit.RetentionDays)
	}
}

// With Audit.CustomerKey the table (and so its stream) is encrypted with a
// rotated key of the stack, which the function and the pipe may use, and nothing else may.
func TestAuditCustomerKey(t *testing.T) {
	c, _ := Environment("dev")
	c.Audit.CustomerKey = true
	tpl := synth(t, c)
	_, table := only(t, tpl, "AWS::DynamoDB::Table")
	sse, _ := props(table)["SSESpecification"].(map[string]any)
	keyRef, _ := sse["KMSMasterKeyId"].(map[string]any)["Fn::GetAtt"].([]any)
	if sse["SSEEnabled"] != true || sse["SSEType"] != "KMS" || len(keyRef) != 2 {
		t.Fatalf("SSE %v, want the stack's KMS key", sse)
	}
	keyID := keyRef[0].(string)
	key := resources(tpl, "AWS::KMS::Key")[keyID]
	if key == nil || props(key)["EnableKeyRotation"] != true {
		t.Errorf("key %s: %v", keyID, key)
	}
	users := map[string][]string{}
	for id, p := range resources(tpl, "AWS::IAM::Policy") {
		for _, s := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if equalJSON(st["Resource"], map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}) {
				users[strings.SplitN(id, "Role", 2)[0]] = toStrings(st["Action"])
			}
		}
	}
	if len(users) != 2 || !slices.Contains(users["AdminFunction"], "kms:Encrypt") || !slices.Contains(users["UserEventsPipe"], "kms:Decrypt") ||
		slices.Contains(users["UserEventsPipe"], "kms:Encrypt") {
		t.Errorf("key users %v, want the function (encrypt, decrypt) and the pipe (decrypt)", users)
	}
}
