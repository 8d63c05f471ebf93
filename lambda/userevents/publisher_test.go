package userevents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/useradmin/cognito-user-admin/api"
	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// fakeBus records PutEvents calls; refuse names the detail-types it
// refuses as entries, and err fails whole calls.
type fakeBus struct {
	calls  []*eventbridge.PutEventsInput
	refuse map[string]bool
	err    error
}

func (f *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		if f.refuse[aws.ToString(e.DetailType)] {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("no")})
		} else {
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("e")})
		}
	}
	return out, nil
}

var at = time.Date(2026, 12, 2, 3, 4, 5, 600, time.UTC)

func record(action, outcome string, status int) audit.Record {
	return audit.Record{
		ID: audit.NewID(at, "req-"+action), Time: at, RequestID: "req-" + action,
		Actor:  audit.Actor{Sub: "sub-1", Email: "admin@example.com"},
		Action: action, Target: "maria@example.com", Outcome: outcome, Status: status,
		Before: &audit.State{Enabled: aws.Bool(true), Groups: []string{"staff"}}, After: &audit.State{Enabled: aws.Bool(false)},
		Details: map[string]any{"invitation_sent": true},
	}
}

// streamRecord is the record as the Lambda service delivers it: raw JSON,
// the item as the audit store writes it (audit.Store.Item).
func streamRecord(t *testing.T, eventName string, seq int, r audit.Record) events.DynamoDBEventRecord {
	t.Helper()
	item, err := audit.NewStore(nil, "audit", 90).Item(r)
	if err != nil {
		t.Fatal(err)
	}
	image := map[string]any{}
	for k, v := range item {
		b, _ := json.Marshal(v)
		var x struct{ Value string }
		_ = json.Unmarshal(b, &x)
		typ := "S"
		if k == audit.AttrExpiresAt {
			typ = "N"
		}
		image[k] = map[string]string{typ: x.Value}
	}
	raw, _ := json.Marshal(map[string]any{
		"eventID": strconv.Itoa(seq), "eventName": eventName, "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1",
		"dynamodb": map[string]any{"SequenceNumber": strconv.Itoa(seq), "NewImage": image, "StreamViewType": "NEW_IMAGE"},
	})
	var rec events.DynamoDBEventRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func publisher(t *testing.T, bus EventBridge) *Publisher {
	t.Helper()
	p, err := New(bus, "useradmin-dev", "useradmin.dev", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each successful change is one event: source and bus of the environment,
// detail-type from the action, and a detail that is the record as a JSON
// object (not a string holding it), which validates against the schema in api/events.
func TestPublish(t *testing.T) {
	bus := &fakeBus{}
	var batch events.DynamoDBEvent
	for i, action := range []string{"create", "disable", "group_add", "delete"} {
		batch.Records = append(batch.Records, streamRecord(t, "INSERT", i+1, record(action, audit.OutcomeSuccess, 200)))
	}
	resp, err := publisher(t, bus).Handle(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("response %+v, %v", resp, err)
	}
	if len(bus.calls) != 1 || len(bus.calls[0].Entries) != 4 {
		t.Fatalf("calls %+v, want one of 4 entries", bus.calls)
	}
	for i, e := range bus.calls[0].Entries {
		action := []string{"create", "disable", "group_add", "delete"}[i]
		want := record(action, audit.OutcomeSuccess, 200)
		if aws.ToString(e.EventBusName) != "useradmin-dev" || aws.ToString(e.Source) != "useradmin.dev" ||
			aws.ToString(e.DetailType) != want.EventType() || !aws.ToTime(e.Time).Equal(at) {
			t.Errorf("entry %d: %+v", i, e)
		}
		var detail map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &detail); err != nil {
			t.Fatalf("detail is not a JSON object: %v: %s", err, aws.ToString(e.Detail))
		}
		var wantMap map[string]any
		b, _ := json.Marshal(want)
		_ = json.Unmarshal(b, &wantMap)
		if d := cmp.Diff(wantMap, detail); d != "" {
			t.Errorf("%s detail (-record +detail):\n%s", action, d)
		}
		if detail["id"] != want.ID || detail["requestId"] != want.RequestID {
			t.Errorf("the dedupe keys are missing: %v", detail)
		}
		validate(t, want.EventType(), map[string]any{"source": aws.ToString(e.Source), "detail-type": aws.ToString(e.DetailType), "detail": detail})
	}
}

func validate(t *testing.T, typ string, event map[string]any) {
	t.Helper()
	sch, err := api.EventSchema(typ)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(event)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s: %v", typ, err)
	}
}

// Refusals, failures and anything but an INSERT publish nothing (the event
// source mapping's filter drops them too; this is the same rule in code).
func TestSkips(t *testing.T) {
	bus := &fakeBus{}
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		streamRecord(t, "INSERT", 1, record("disable", "Forbidden", 403)),
		streamRecord(t, "INSERT", 2, record("disable", "UserNotFound", 404)),
		streamRecord(t, "MODIFY", 3, record("disable", audit.OutcomeSuccess, 200)),
		streamRecord(t, "REMOVE", 4, record("disable", audit.OutcomeSuccess, 200)), // a TTL expiry
		streamRecord(t, "INSERT", 5, record("read", audit.OutcomeSuccess, 200)),
	}}
	resp, err := publisher(t, bus).Handle(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 || len(bus.calls) != 0 {
		t.Errorf("response %+v, %v, calls %+v; want nothing published", resp, err, bus.calls)
	}
}

// A PutEvents entry the bus refuses is reported as that record's batch item
// failure, so the event source mapping retries from it; the call's error does the same
// for its first record. Nothing is retried here.
func TestPartialFailure(t *testing.T) {
	batch := events.DynamoDBEvent{}
	for i, action := range []string{"create", "disable", "enable"} {
		batch.Records = append(batch.Records, streamRecord(t, "INSERT", i+1, record(action, audit.OutcomeSuccess, 200)))
	}
	bus := &fakeBus{refuse: map[string]bool{"UserDisabled": true}}
	resp, err := publisher(t, bus).Handle(context.Background(), batch)
	want := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: "2"}}}
	if err != nil || !cmp.Equal(want, resp) || len(bus.calls) != 1 {
		t.Errorf("response %+v, %v after %d calls; want item 2 failed after one call", resp, err, len(bus.calls))
	}
	bus = &fakeBus{err: errors.New("throttled")}
	resp, err = publisher(t, bus).Handle(context.Background(), batch)
	want.BatchItemFailures[0].ItemIdentifier = "1"
	if err != nil || !cmp.Equal(want, resp) || len(bus.calls) != 1 {
		t.Errorf("response %+v, %v after %d calls; want item 1 failed after one call", resp, err, len(bus.calls))
	}
}

// More records than PutEvents takes go in calls of 10, in order; a failure
// in the second call reports its record and leaves the first call's published.
func TestChunks(t *testing.T) {
	batch := events.DynamoDBEvent{}
	for i := range 12 {
		action := "create"
		if i == 10 {
			action = "delete"
		}
		batch.Records = append(batch.Records, streamRecord(t, "INSERT", i+1, record(action, audit.OutcomeSuccess, 200)))
	}
	bus := &fakeBus{refuse: map[string]bool{"UserDeleted": true}}
	resp, _ := publisher(t, bus).Handle(context.Background(), batch)
	if len(bus.calls) != 2 || len(bus.calls[0].Entries) != 10 || len(bus.calls[1].Entries) != 2 {
		t.Fatalf("%d calls", len(bus.calls))
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "11" {
		t.Errorf("failures %+v, want record 11", resp.BatchItemFailures)
	}
}

// A record that cannot be decoded is a failure (retried, then sent to the
// dead-letter queue), never skipped; the records before it are still published.
func TestUndecodable(t *testing.T) {
	good := streamRecord(t, "INSERT", 1, record("create", audit.OutcomeSuccess, 200))
	bad := streamRecord(t, "INSERT", 2, record("disable", audit.OutcomeSuccess, 200))
	bad.Change.NewImage[audit.AttrDetail] = events.NewStringAttribute(`{"id": `)
	later := streamRecord(t, "INSERT", 3, record("enable", audit.OutcomeSuccess, 200))
	bus := &fakeBus{}
	resp, err := publisher(t, bus).Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{good, bad, later}})
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" {
		t.Errorf("response %+v, %v; want record 2 failed", resp, err)
	}
	if len(bus.calls) != 1 || len(bus.calls[0].Entries) != 1 || aws.ToString(bus.calls[0].Entries[0].DetailType) != "UserCreated" {
		t.Errorf("calls %+v, want the create alone", bus.calls)
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{EnvBus: "useradmin-dev"}
	if _, err := FromEnv(&fakeBus{}, func(k string) string { return env[k] }, slog.Default()); err == nil {
		t.Error("no source accepted")
	}
	env[EnvSource] = "useradmin.dev"
	if _, err := FromEnv(&fakeBus{}, func(k string) string { return env[k] }, slog.Default()); err != nil {
		t.Error(err)
	}
}
