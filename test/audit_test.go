package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/useradmin/cognito-user-admin/api"
	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
	"github.com/useradmin/cognito-user-admin/lambda/handler"
	"github.com/useradmin/cognito-user-admin/local"
)

// subscriber is another team's subscription, as docs/audit.md shows it: a
// rule on the environment's bus with an SQS queue as its target.
type subscriber struct {
	sqs *sqs.Client
	url string
}

// subscribe creates a queue and a rule matching the events of users, on the local bus.
func subscribe(t *testing.T, name string, users ...string) *subscriber {
	t.Helper()
	ctx := context.Background()
	q := sqs.New(sqs.Options{Region: local.Region, BaseEndpoint: aws.String(env.Emulator.Endpoint), Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	pattern, _ := json.Marshal(map[string]any{"source": []string{"useradmin.dev"}, "detail": map[string]any{"target": users}})
	eb := env.Audit.EventBridge
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: &env.Audit.Bus, EventPattern: aws.String(string(pattern))}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: &env.Audit.Bus,
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	return &subscriber{sqs: q, url: *out.QueueUrl}
}

// event is what the subscriber's queue receives: an EventBridge event.
type event struct {
	Source     string       `json:"source"`
	DetailType string       `json:"detail-type"`
	Detail     audit.Record `json:"detail"`
	raw        []byte
}

// until receives events until one satisfies last, and returns them all.
// The bound only ends a test whose event never comes; delivery is
// expected within 2 s (local mode polls the stream for the publisher every 100 ms).
func (s *subscriber) until(t *testing.T, last func(event) bool) []event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []event
	for {
		out, err := s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &s.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatalf("receiving events (got %d so far): %v", len(got), err)
		}
		for _, m := range out.Messages {
			e := event{raw: []byte(aws.ToString(m.Body))}
			if err := json.Unmarshal(e.raw, &e); err != nil {
				t.Fatalf("event %s: %v", e.raw, err)
			}
			got = append(got, e)
			if _, err := s.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &s.url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
			if last(e) {
				return got
			}
		}
	}
}

// validate checks an event against its JSON Schema in api/events.
func validate(t *testing.T, e event) {
	t.Helper()
	sch, err := api.EventSchema(e.DetailType)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(e.raw))
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s event does not validate against api/events/%s.json: %v\n%s", e.DetailType, e.DetailType, err, e.raw)
	}
}

// records reads GET path (/audit?… or a history) through the API.
func records(t *testing.T, path string) []audit.Record {
	t.Helper()
	r := asAdmin(t, http.MethodGet, path, "", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s\n%s", path, r.status, r.raw, lastLines(logs.String(), 3))
	}
	var b struct{ Records []audit.Record }
	if err := json.Unmarshal([]byte(r.raw), &b); err != nil {
		t.Fatal(err)
	}
	return b.Records
}

// A create, a disable, a group add and a delete each leave their record
// (with before and after) in GET /audit and the user's history, and each
// publishes exactly one event of its type on the bus, valid against its
// schema. A refused change is recorded and publishes nothing.
func TestAuditTrailAndEvents(t *testing.T) {
	needEnv(t)
	const who, sentinel = "audit.e2e@example.com", "audit.sentinel@example.com"
	sub := subscribe(t, "audit-e2e", who, sentinel)

	mustCreate(t, who)
	if r := asAdmin(t, http.MethodPost, userPath(who, "disable"), "", ""); r.status != http.StatusOK {
		t.Fatalf("disable: %d %s", r.status, r.raw)
	}
	if r := asAdmin(t, http.MethodPut, userPath(who, "groups", "admins"), "", ""); r.status != http.StatusNoContent {
		t.Fatalf("group add: %d %s", r.status, r.raw)
	}
	if r := asAdmin(t, http.MethodPut, userPath(who, "groups", "no-such-group"), "", ""); r.status != http.StatusForbidden {
		t.Fatalf("refused group add: %d %s", r.status, r.raw)
	}
	if r := asAdmin(t, http.MethodDelete, userPath(who), "", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}

	// The trail: newest first, the same through /audit and the history.
	hist := records(t, userPath(who, "history"))
	viaAudit := records(t, "/audit?"+url.Values{"user": {who}}.Encode())
	var actions []string
	for _, r := range hist {
		actions = append(actions, r.Action+"/"+r.Outcome)
	}
	if want := "delete/success group_add/GroupNotManaged role_grant/success disable/success create/success"; strings.Join(actions, " ") != want {
		t.Fatalf("history %v, want %s", actions, want)
	}
	if len(viaAudit) != len(hist) || viaAudit[0].ID != hist[0].ID {
		t.Errorf("GET /audit?user= answered %d records, the history %d", len(viaAudit), len(hist))
	}
	byAction := map[string]audit.Record{}
	for _, r := range hist {
		if r.Outcome == "success" {
			byAction[r.Action] = r
		}
		if r.Actor.Email != adminEmail || r.Target != who || r.RequestID == "" {
			t.Errorf("record %+v: want the admin acting on %s with a request id", r, who)
		}
	}
	if a := byAction["create"].After; byAction["create"].Before != nil || a == nil || a.Status != "FORCE_CHANGE_PASSWORD" || !aws.ToBool(a.Enabled) {
		t.Errorf("create's before/after: %+v / %+v", byAction["create"].Before, a)
	}
	if r := byAction["disable"]; r.Before == nil || r.After == nil || !aws.ToBool(r.Before.Enabled) || aws.ToBool(r.After.Enabled) {
		t.Errorf("disable's before/after: %+v / %+v", r.Before, r.After)
	}
	// admins is a role's group: the grant is a role_grant, by a caller whose roles and permission the actor names.
	if r := byAction["role_grant"]; !slices.Equal(r.Actor.Roles, []string{"admins"}) || r.Actor.Permission != "roles:grant" {
		t.Errorf("role grant's actor: %+v", r.Actor)
	}
	if r := byAction["role_grant"]; r.Group != "admins" || r.Before == nil || len(r.Before.Groups) != 0 || r.After == nil || strings.Join(r.After.Groups, ",") != "admins" {
		t.Errorf("group add's before/after: %+v / %+v", r.Before, r.After)
	}
	if r := byAction["delete"]; r.Before == nil || r.Before.Status != "FORCE_CHANGE_PASSWORD" || aws.ToBool(r.Before.Enabled) || r.After != nil {
		t.Errorf("delete's before/after: %+v / %+v", r.Before, r.After)
	}
	// Filters: by action, by actor and time across the pool.
	if got := records(t, "/audit?"+url.Values{"user": {who}, "action": {"disable"}}.Encode()); len(got) != 1 || got[0].ID != byAction["disable"].ID {
		t.Errorf("action filter: %+v", got)
	}
	since := byAction["create"].Time.Add(-time.Second).Format(time.RFC3339)
	pool := records(t, "/audit?"+url.Values{"actor": {adminEmail}, "since": {since}, "limit": {"100"}}.Encode())
	day := records(t, "/audit?"+url.Values{"since": {since}, "limit": {"100"}}.Encode())
	for name, got := range map[string][]audit.Record{"by actor": pool, "by day": day} {
		n := 0
		for _, r := range got {
			if r.Target == who {
				n++
			}
		}
		if n != 5 {
			t.Errorf("%s since %s: %d of the user's 5 records", name, since, n)
		}
	}

	// Then a sentinel change: the publisher delivers in stream order, so any
	// second event for the changes above would arrive before the sentinel's.
	mustCreate(t, sentinel)
	evs := sub.until(t, func(e event) bool { return e.Detail.Target == sentinel })
	var types []string
	for _, e := range evs {
		types = append(types, e.DetailType)
		if e.Source != "useradmin.dev" {
			t.Errorf("source %q", e.Source)
		}
		validate(t, e)
		if e.Detail.Target == who && e.Detail.ID != byAction[e.Detail.Action].ID {
			t.Errorf("%s event's detail is not the recorded %s: %+v", e.DetailType, e.Detail.Action, e.Detail)
		}
	}
	if want := "UserCreated UserDisabled UserRoleGranted UserDeleted UserCreated"; strings.Join(types, " ") != want {
		t.Errorf("events %v, want %s (one per change, none for the refusal)", types, want)
	}
	if d := evs[1].Detail; d.Before == nil || !aws.ToBool(d.Before.Enabled) || d.After == nil || aws.ToBool(d.After.Enabled) {
		t.Errorf("UserDisabled detail's before/after: %s", evs[1].raw)
	}
}

// directHandler is the Lambda's handler on the local pool with records
// given by the test, called without the gateway; its log goes to logs.
func directHandler(t *testing.T, records handler.Records) (func(method, resource string, params map[string]string) events.APIGatewayProxyResponse, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	h := handler.New(env.Settings, env.Cognito, slog.New(slog.NewJSONHandler(logs, nil))).WithRecords(records)
	admin := poolUser(t, adminEmail)
	claims := map[string]any{"sub": aws.ToString(admin.Username), "cognito:username": aws.ToString(admin.Username), "email": adminEmail,
		"cognito:groups": "admins", "token_use": "id", "aud": env.Pool.AdminClientID}
	return func(method, resource string, params map[string]string) events.APIGatewayProxyResponse {
		path := resource
		for k, v := range params {
			path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
		}
		req := events.APIGatewayProxyRequest{HTTPMethod: method, Resource: resource, Path: path, PathParameters: params,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: fmt.Sprintf("crash-%d", time.Now().UnixNano()), Authorizer: map[string]any{"claims": claims}}}
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}, logs
}

type failingRecords struct{ handler.Records }

func (failingRecords) Put(context.Context, audit.Record) error {
	return errors.New("injected: the table refused the write")
}

// Crash between the Cognito change and the audit write. Guarantee shown:
// the change stands, the answer is the success it is, and the whole record
// is in the log at ERROR under the marker the alarm counts. Not
// guaranteed (and so not shown): a record in the table, or an event.
func TestAuditWriteFailsAfterTheChange(t *testing.T) {
	needEnv(t)
	const who = "audit.crash1@example.com"
	mustCreate(t, who)
	do, logs := directHandler(t, failingRecords{})
	if resp := do(http.MethodPost, "/users/{email}/disable", map[string]string{"email": who}); resp.StatusCode != http.StatusOK {
		t.Fatalf("disable: %d %s", resp.StatusCode, resp.Body)
	}
	if u := poolUser(t, who); u == nil || u.Enabled {
		t.Fatal("the disable did not stand")
	}
	var logged bool
	for line := range strings.SplitSeq(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != auditlog.MessageRecordUnwritten {
			continue
		}
		b, _ := json.Marshal(m[auditlog.Record])
		var r audit.Record
		logged = m["level"] == "ERROR" && json.Unmarshal(b, &r) == nil && r.Action == "disable" && r.Target == who && r.After != nil && !aws.ToBool(r.After.Enabled)
	}
	if !logged {
		t.Errorf("no ERROR line with the full record:\n%s", logs)
	}
	for _, r := range records(t, userPath(who, "history")) {
		if r.Action == "disable" {
			t.Errorf("a disable record is in the table although its write failed: %+v", r)
		}
	}
}

// crashAfterPut writes the record, then the Lambda dies (a panic out of the handler).
type crashAfterPut struct{ handler.Records }

func (c crashAfterPut) Put(ctx context.Context, r audit.Record) error {
	if err := c.Records.Put(ctx, r); err != nil {
		return err
	}
	panic("injected: the Lambda dies after writing the audit record")
}

// Crash between the audit write and the event. Guarantee shown: the event
// still reaches the bus, because the stream publishes it, not the Lambda.
func TestEventAfterTheLambdaDies(t *testing.T) {
	needEnv(t)
	const who = "audit.crash2@example.com"
	sub := subscribe(t, "audit-crash2", who)
	mustCreate(t, who)
	store := audit.NewStore(env.Audit.DynamoDB, env.Settings.AuditTable, env.Settings.AuditRetentionDays)
	do, _ := directHandler(t, crashAfterPut{store})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the injected crash did not happen")
			}
		}()
		do(http.MethodPost, "/users/{email}/disable", map[string]string{"email": who})
	}()
	evs := sub.until(t, func(e event) bool { return e.DetailType == "UserDisabled" })
	if len(evs) != 2 || evs[0].DetailType != "UserCreated" || evs[1].Detail.Target != who {
		t.Errorf("events %+v", evs)
	}
	validate(t, evs[1])
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
