package local

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// pipeNote is reported at start with the other departures from AWS.
const pipeNote = "EventBridge Pipes: the emulator has none; local mode polls the audit table's stream every 100 ms and applies the pipe's " +
	"filter, input template, detail-type and source as the template defines them, then puts the event on the local bus " +
	"(no retries, no dead-letter queue)"

// auditNotes are the audit table's properties the emulator does not act on.
var auditNotes = map[string]string{
	"TimeToLiveSpecification":          "records never expire",
	"PointInTimeRecoverySpecification": "there is no point-in-time recovery",
	"SSESpecification":                 "nothing is encrypted",
	"DeletionProtectionEnabled":        "there is no deletion protection",
}

// Audit is the audit table and the user events' bus local mode created.
type Audit struct {
	Table   string
	Bus     string
	Mapping PipeMapping
	// DynamoDB and EventBridge are SDK clients for the emulator.
	DynamoDB    *dynamodb.Client
	EventBridge *eventbridge.Client
	streams     *dynamodbstreams.Client
	streamArn   string
}

func clientOptions(endpoint string) (string, *string, aws.CredentialsProvider) {
	return Region, aws.String(endpoint), credentials.NewStaticCredentialsProvider("local", "local", "")
}

// NewDynamoDBClient is an SDK client for the emulator's DynamoDB.
func NewDynamoDBClient(endpoint string) *dynamodb.Client {
	r, e, c := clientOptions(endpoint)
	return dynamodb.New(dynamodb.Options{Region: r, BaseEndpoint: e, Credentials: c})
}

// NewEventBridgeClient is an SDK client for the emulator's EventBridge.
func NewEventBridgeClient(endpoint string) *eventbridge.Client {
	r, e, c := clientOptions(endpoint)
	return eventbridge.New(eventbridge.Options{Region: r, BaseEndpoint: e, Credentials: c})
}

// ProvisionAudit creates the template's audit table and event bus in the
// emulator, records their names in p's references (so the function's
// environment resolves), and reads the pipe's mapping.
func ProvisionAudit(ctx context.Context, endpoint string, t *Template, p *Pool) (*Audit, []string, error) {
	a := &Audit{DynamoDB: NewDynamoDBClient(endpoint), EventBridge: NewEventBridgeClient(endpoint)}
	r, e, c := clientOptions(endpoint)
	a.streams = dynamodbstreams.New(dynamodbstreams.Options{Region: r, BaseEndpoint: e, Credentials: c})
	var notes []string

	tableID, table, err := t.One("AWS::DynamoDB::Table")
	if err != nil {
		return nil, nil, err
	}
	props := map[string]any{}
	for k, v := range table.Properties {
		if why, ok := auditNotes[k]; ok {
			notes = append(notes, fmt.Sprintf("DynamoDB::Table %s: not enforced by the emulator (%s)", k, why))
			continue
		}
		props[k] = v
	}
	// CloudFormation names the table; the API needs a name, and the stream switched on explicitly.
	a.Table = "UserAdmin-" + tableID
	props["TableName"] = a.Table
	if s, ok := props["StreamSpecification"].(map[string]any); ok {
		s["StreamEnabled"] = true
	}
	var in dynamodb.CreateTableInput
	if err := decodeStrict(props, &in); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", tableID, err)
	}
	out, err := a.DynamoDB.CreateTable(ctx, &in)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the audit table: %w", err)
	}
	a.streamArn = aws.ToString(out.TableDescription.LatestStreamArn)
	if a.streamArn == "" {
		return nil, nil, fmt.Errorf("the audit table %s has no stream", tableID)
	}
	p.refs[tableID] = a.Table

	busID, bus, err := t.One("AWS::Events::EventBus")
	if err != nil {
		return nil, nil, err
	}
	a.Bus, _ = bus.Properties["Name"].(string)
	if _, err := a.EventBridge.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: &a.Bus}); err != nil {
		return nil, nil, fmt.Errorf("creating the event bus: %w", err)
	}
	p.refs[busID] = a.Bus

	_, pipe, err := t.One("AWS::Pipes::Pipe")
	if err != nil {
		return nil, nil, err
	}
	if a.Mapping, err = pipeMapping(pipe); err != nil {
		return nil, nil, err
	}
	return a, append(notes, pipeNote), nil
}

// pollInterval is how often the stand-in pipe reads the stream: events
// reach the bus well within the 2 s local mode promises.
const pollInterval = 100 * time.Millisecond

// RunPipe stands in for the pipe until ctx ends: it follows every shard of
// the table's stream from its oldest record and puts each record that
// passes the mapping on the bus. Failures are logged and retried on the next tick.
func (a *Audit) RunPipe(ctx context.Context, log *slog.Logger) {
	iterators := map[string]*string{} // shard id to its next iterator; nil once the shard is closed and read
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	describe := true
	for {
		// The emulator serves one request at a time: the stream is described
		// only at start and when a shard closes (a new one may follow), not on every tick.
		var err error
		describe, err = a.pollOnce(ctx, iterators, describe)
		if err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "local pipe: reading the audit stream", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pollOnce reads every open shard once and delivers what it finds; it
// reports whether the stream should be described again on the next tick.
func (a *Audit) pollOnce(ctx context.Context, iterators map[string]*string, describe bool) (bool, error) {
	if describe {
		desc, err := a.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &a.streamArn})
		if err != nil {
			return true, err
		}
		for _, sh := range desc.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if _, known := iterators[id]; known {
				continue
			}
			it, err := a.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: &a.streamArn, ShardId: &id, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				return true, err
			}
			iterators[id] = it.ShardIterator
		}
	}
	closed := false
	for id, it := range iterators {
		if it == nil {
			continue
		}
		out, err := a.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		if err != nil {
			return false, err
		}
		if err := a.deliver(ctx, out.Records); err != nil {
			// Not advanced past: the next tick reads this batch again, as the pipe retries.
			return false, err
		}
		iterators[id] = out.NextShardIterator
		closed = closed || out.NextShardIterator == nil
	}
	return closed, nil
}

// deliver maps a batch of stream records and puts the events on the bus,
// up to 10 a call (PutEvents' limit), in stream order.
func (a *Audit) deliver(ctx context.Context, recs []streamtypes.Record) error {
	var entries []ebtypes.PutEventsRequestEntry
	for _, rec := range recs {
		e, ok, err := a.event(rec)
		if err != nil {
			return err
		}
		if ok {
			entries = append(entries, e)
		}
	}
	for len(entries) > 0 {
		n := min(len(entries), 10)
		out, err := a.EventBridge.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries[:n]})
		if err != nil {
			return err
		}
		if out.FailedEntryCount > 0 {
			for _, r := range out.Entries {
				if r.ErrorCode != nil {
					return fmt.Errorf("the bus refused an event: %s", aws.ToString(r.ErrorMessage))
				}
			}
		}
		entries = entries[n:]
	}
	return nil
}

// event maps one stream record to its event, or ok false when the filter drops it.
func (a *Audit) event(rec streamtypes.Record) (ebtypes.PutEventsRequestEntry, bool, error) {
	record := map[string]any{"eventName": string(rec.EventName), "eventSource": "aws:dynamodb", "awsRegion": Region}
	if rec.Dynamodb != nil {
		d := map[string]any{}
		if rec.Dynamodb.NewImage != nil {
			d["NewImage"] = streamImage(rec.Dynamodb.NewImage)
		}
		if rec.Dynamodb.Keys != nil {
			d["Keys"] = streamImage(rec.Dynamodb.Keys)
		}
		d["SequenceNumber"] = aws.ToString(rec.Dynamodb.SequenceNumber)
		record["dynamodb"] = d
	}
	typ, source, detail, ok, err := a.Mapping.Apply(record)
	if err != nil || !ok {
		return ebtypes.PutEventsRequestEntry{}, false, err
	}
	return ebtypes.PutEventsRequestEntry{EventBusName: &a.Bus, Source: &source, DetailType: &typ, Detail: &detail}, true, nil
}

// streamImage renders an item in the typed JSON form a stream record has on the wire ({"S": "…"}).
func streamImage(item map[string]streamtypes.AttributeValue) map[string]any {
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v streamtypes.AttributeValue) any {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *streamtypes.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *streamtypes.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *streamtypes.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *streamtypes.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *streamtypes.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, x := range v.Value {
			l[i] = streamValue(x)
		}
		return map[string]any{"L": l}
	case *streamtypes.AttributeValueMemberM:
		return map[string]any{"M": streamImage(v.Value)}
	}
	b, _ := json.Marshal(v)
	return map[string]any{"?": string(b)}
}
