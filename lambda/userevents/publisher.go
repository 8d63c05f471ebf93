// Package userevents publishes the user events: it is the Lambda the audit
// table's stream feeds (lambda/cmd/events). Each new record of a successful
// change becomes one event on the environment's bus, whose detail is the
// record itself (audit.Record). Local mode runs this same code on the
// emulator's stream, so what is tested locally is what runs on AWS.
package userevents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
)

// EventBridge is the one call the publisher makes; it is also the only IAM
// action its role has on the bus.
type EventBridge interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ EventBridge = (*eventbridge.Client)(nil)

// The function's environment, set by infra/userevents.go.
const (
	EnvBus    = "EVENT_BUS_NAME"
	EnvSource = "EVENT_SOURCE"
)

// maxEntries is PutEvents' limit of entries per call.
const maxEntries = 10

// Publisher puts the events of a batch of stream records on one bus.
type Publisher struct {
	eb     EventBridge
	bus    string
	source string
	log    *slog.Logger
}

// New returns a Publisher onto bus with source ("useradmin.<env>").
func New(eb EventBridge, bus, source string, log *slog.Logger) (*Publisher, error) {
	if bus == "" || source == "" {
		return nil, fmt.Errorf("%s and %s must be set", EnvBus, EnvSource)
	}
	return &Publisher{eb: eb, bus: bus, source: source, log: log}, nil
}

// FromEnv is New with the bus and source from the function's environment.
func FromEnv(eb EventBridge, getenv func(string) string, log *slog.Logger) (*Publisher, error) {
	return New(eb, getenv(EnvBus), getenv(EnvSource), log)
}

// pending is one event to put and the stream record it comes from.
type pending struct {
	seq   string
	entry ebtypes.PutEventsRequestEntry
}

// Handle publishes the batch's events in stream order. It never retries:
// the event source mapping does (docs/audit.md). The first record that
// cannot be published (undecodable, or refused by EventBridge) is reported
// as the batch item failure; for a stream, Lambda retries from that record
// on, so records after it in the batch are left for that retry rather than
// published out of order.
func (p *Publisher) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var todo []pending
	var failed string // sequence number of the first record that cannot be mapped
	for _, rec := range ev.Records {
		e, ok, err := p.event(rec)
		if err != nil {
			p.log.ErrorContext(ctx, "user event: undecodable audit record", "sequenceNumber", rec.Change.SequenceNumber, "error", err.Error())
			failed = rec.Change.SequenceNumber
			break
		}
		if ok {
			todo = append(todo, pending{seq: rec.Change.SequenceNumber, entry: e})
		}
	}
	for start := 0; start < len(todo); start += maxEntries {
		chunk := todo[start:min(start+maxEntries, len(todo))]
		entries := make([]ebtypes.PutEventsRequestEntry, len(chunk))
		for i, c := range chunk {
			entries[i] = c.entry
		}
		out, err := p.eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			p.log.WarnContext(ctx, "user events: PutEvents failed", "sequenceNumber", chunk[0].seq, "error", err.Error())
			return failure(chunk[0].seq), nil
		}
		if out.FailedEntryCount == 0 {
			continue
		}
		for i, r := range out.Entries {
			if r.ErrorCode != nil && i < len(chunk) {
				p.log.WarnContext(ctx, "user events: the bus refused an event", "sequenceNumber", chunk[i].seq,
					"errorCode", aws.ToString(r.ErrorCode), "errorMessage", aws.ToString(r.ErrorMessage))
				return failure(chunk[i].seq), nil
			}
		}
		// A failed count without a failed entry: the answer cannot be trusted, retry the chunk.
		return failure(chunk[0].seq), nil
	}
	if failed != "" {
		return failure(failed), nil
	}
	return events.DynamoDBEventResponse{}, nil
}

func failure(seq string) events.DynamoDBEventResponse {
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: seq}}}
}

// event maps one stream record to its event; ok false for a record that
// publishes none (not an INSERT, or not a successful change). The event
// source mapping's filter drops those already; this check keeps the rule
// in one place that tests and local mode exercise.
func (p *Publisher) event(rec events.DynamoDBEventRecord) (ebtypes.PutEventsRequestEntry, bool, error) {
	if events.DynamoDBOperationType(rec.EventName) != events.DynamoDBOperationTypeInsert {
		return ebtypes.PutEventsRequestEntry{}, false, nil
	}
	r, err := Decode(rec.Change.NewImage)
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, false, err
	}
	typ := r.EventType()
	if typ == "" {
		return ebtypes.PutEventsRequestEntry{}, false, nil
	}
	// Re-encoded from the type, so the detail is exactly a Record (what the schemas describe), as a JSON object.
	detail, err := json.Marshal(r)
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, false, err
	}
	return ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String(p.bus),
		Source:       aws.String(p.source),
		DetailType:   aws.String(typ),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(r.Time),
	}, true, nil
}

// Decode reads the record an audit item holds (its detail attribute) from a stream image.
func Decode(image map[string]events.DynamoDBAttributeValue) (audit.Record, error) {
	var r audit.Record
	d, ok := image[audit.AttrDetail]
	if !ok || d.DataType() != events.DataTypeString {
		return r, errors.New("the item has no string " + audit.AttrDetail + " attribute")
	}
	if err := json.Unmarshal([]byte(d.String()), &r); err != nil {
		return r, fmt.Errorf("the item's %s: %w", audit.AttrDetail, err)
	}
	return r, nil
}
