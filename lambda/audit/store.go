package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB is the narrow interface of the calls the Store makes; they are
// also exactly the IAM actions the function needs on the table.
type DynamoDB interface {
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// The table's attribute and index names: infra/ declares the table with
// these, and local mode's stream poller reads Detail and EventType.
const (
	AttrPK        = "pk"        // "user#" + target: a user's history
	AttrSK        = "sk"        // the record id: time-ordered
	AttrActor     = "actorKey"  // "actor#" + the actor's email (or sub)
	AttrDay       = "dayKey"    // "day#" + the UTC date: the whole pool, one day per partition
	AttrAction    = "action"    // for the action filter
	AttrDetail    = "detail"    // the record's JSON: the event's detail
	AttrEventType = "eventType" // the event's detail-type; only on successful changes
	AttrExpiresAt = "expiresAt" // TTL, epoch seconds

	IndexByActor = "byActor"
	IndexByDay   = "byDay"
)

// Store writes and reads records in one table.
type Store struct {
	db        DynamoDB
	table     string
	retention time.Duration
}

// NewStore returns a Store on table through db; records expire after
// retentionDays (0: never).
func NewStore(db DynamoDB, table string, retentionDays int) *Store {
	return &Store{db: db, table: table, retention: time.Duration(retentionDays) * 24 * time.Hour}
}

// Table is the table's name.
func (s *Store) Table() string { return s.table }

// Retention is how long records are kept (0: forever).
func (s *Store) Retention() time.Duration { return s.retention }

// Item is the table item of r.
func (s *Store) Item(r Record) (map[string]types.AttributeValue, error) {
	detail, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	target := r.Target
	if target == "" {
		target = "-"
	}
	item := map[string]types.AttributeValue{
		AttrPK:     &types.AttributeValueMemberS{Value: "user#" + target},
		AttrSK:     &types.AttributeValueMemberS{Value: r.ID},
		AttrActor:  &types.AttributeValueMemberS{Value: actorKey(r.Actor)},
		AttrDay:    &types.AttributeValueMemberS{Value: dayKey(r.Time)},
		AttrAction: &types.AttributeValueMemberS{Value: r.Action},
		AttrDetail: &types.AttributeValueMemberS{Value: string(detail)},
	}
	if t := r.EventType(); t != "" {
		item[AttrEventType] = &types.AttributeValueMemberS{Value: t}
	}
	if s.retention > 0 {
		item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(r.Time.Add(s.retention).Unix(), 10)}
	}
	return item, nil
}

func actorKey(a Actor) string {
	if a.Email != "" {
		return "actor#" + a.Email
	}
	return "actor#" + a.Sub
}

func dayKey(t time.Time) string { return "day#" + t.UTC().Format(time.DateOnly) }

// Put writes r once: the condition refuses to overwrite an existing record,
// so the trail is append-only even against a bug that reuses an id.
func (s *Store) Put(ctx context.Context, r Record) error {
	item, err := s.Item(r)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(" + AttrPK + ")"),
	})
	return err
}

// Filter selects records; zero fields select all.
type Filter struct {
	User   string // target email, normalised
	Actor  string // actor email, normalised, or sub
	Action string
	// Since and Until bound the time, inclusive; Until zero means now.
	Since, Until time.Time
}

// Cursor is where a Query continues; the zero value starts at the newest record.
type Cursor struct {
	Day string            `json:"d,omitempty"` // the day partition being read (pool-wide queries)
	Key map[string]string `json:"k,omitempty"` // DynamoDB's LastEvaluatedKey, all strings
}

// maxDayQueries bounds the day partitions one pool-wide page reads, so a
// quiet month costs a bounded number of queries; the page's cursor continues.
const maxDayQueries = 31

// Query returns up to limit records matching f, newest first, starting at
// cur, and the cursor of the next page (nil at the end). A page may hold
// fewer records than limit when a filter drops some: follow the cursor.
func (s *Store) Query(ctx context.Context, f Filter, limit int32, cur *Cursor, now time.Time) ([]Record, *Cursor, error) {
	until := f.Until
	if until.IsZero() {
		until = now
	}
	lo, hi := f.Since.UTC().Format(timeLayout), until.UTC().Format(timeLayout)+"~" // '~' sorts after the id's '#'
	if f.Since.IsZero() {
		lo = "0" // before every id; DynamoDB refuses an empty key value
	}
	var filters []string
	values := map[string]types.AttributeValue{":lo": &types.AttributeValueMemberS{Value: lo}, ":hi": &types.AttributeValueMemberS{Value: hi}}
	names := map[string]string{"#sk": AttrSK}
	if f.Action != "" {
		filters = append(filters, "#action = :action")
		names["#action"] = AttrAction
		values[":action"] = &types.AttributeValueMemberS{Value: f.Action}
	}
	in := &dynamodb.QueryInput{TableName: &s.table, ScanIndexForward: aws.Bool(false)}
	var pk string
	switch {
	case f.User != "":
		in.KeyConditionExpression, pk = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"), "user#"+f.User
		names["#pk"] = AttrPK
		if f.Actor != "" {
			filters = append(filters, "#actor = :actor")
			names["#actor"] = AttrActor
			values[":actor"] = &types.AttributeValueMemberS{Value: "actor#" + f.Actor}
		}
	case f.Actor != "":
		in.IndexName = aws.String(IndexByActor)
		in.KeyConditionExpression, pk = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"), "actor#"+f.Actor
		names["#pk"] = AttrActor
	default:
		return s.queryDays(ctx, in, names, values, filters, f, until, limit, cur)
	}
	values[":pk"] = &types.AttributeValueMemberS{Value: pk}
	finish(in, names, values, filters)
	in.Limit = &limit
	if cur != nil {
		in.ExclusiveStartKey = toKey(cur.Key)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	recs, err := decode(out.Items)
	if err != nil {
		return nil, nil, err
	}
	if len(out.LastEvaluatedKey) == 0 {
		return recs, nil, nil
	}
	k, err := fromKey(out.LastEvaluatedKey)
	return recs, &Cursor{Key: k}, err
}

// queryDays reads the pool-wide index one day partition at a time, from
// the cursor's day (or until's) back to since (or the retention period).
func (s *Store) queryDays(ctx context.Context, in *dynamodb.QueryInput, names map[string]string, values map[string]types.AttributeValue,
	filters []string, f Filter, until time.Time, limit int32, cur *Cursor) ([]Record, *Cursor, error) {
	since := f.Since
	if since.IsZero() {
		since = until.Add(-s.retention)
		if s.retention == 0 {
			since = until.AddDate(-1, 0, 0)
		}
	}
	in.IndexName = aws.String(IndexByDay)
	in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
	names["#pk"] = AttrDay
	finish(in, names, values, filters)
	day := until.UTC().Truncate(24 * time.Hour)
	var start map[string]types.AttributeValue
	if cur != nil {
		d, err := time.Parse(time.DateOnly, cur.Day)
		if err != nil {
			return nil, nil, fmt.Errorf("cursor day: %w", err)
		}
		day, start = d, toKey(cur.Key)
	}
	first := since.UTC().Truncate(24 * time.Hour)
	var recs []Record
	for n := 0; !day.Before(first); n++ {
		if n == maxDayQueries || int32(len(recs)) == limit {
			return recs, &Cursor{Day: day.Format(time.DateOnly)}, nil
		}
		values[":pk"] = &types.AttributeValueMemberS{Value: dayKey(day)}
		in.Limit = aws.Int32(limit - int32(len(recs)))
		in.ExclusiveStartKey = start
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		page, err := decode(out.Items)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, page...)
		if len(out.LastEvaluatedKey) > 0 {
			k, err := fromKey(out.LastEvaluatedKey)
			return recs, &Cursor{Day: day.Format(time.DateOnly), Key: k}, err
		}
		day, start = day.AddDate(0, 0, -1), nil
	}
	return recs, nil, nil
}

func finish(in *dynamodb.QueryInput, names map[string]string, values map[string]types.AttributeValue, filters []string) {
	if len(filters) > 0 {
		expr := filters[0]
		for _, f := range filters[1:] {
			expr += " AND " + f
		}
		in.FilterExpression = &expr
	}
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = names, values
}

func decode(items []map[string]types.AttributeValue) ([]Record, error) {
	recs := make([]Record, 0, len(items))
	for _, it := range items {
		d, ok := it[AttrDetail].(*types.AttributeValueMemberS)
		if !ok {
			return nil, errors.New("an audit item has no detail")
		}
		var r Record
		if err := json.Unmarshal([]byte(d.Value), &r); err != nil {
			return nil, fmt.Errorf("an audit item's detail: %w", err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func toKey(m map[string]string) map[string]types.AttributeValue {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = &types.AttributeValueMemberS{Value: v}
	}
	return out
}

func fromKey(k map[string]types.AttributeValue) (map[string]string, error) {
	out := make(map[string]string, len(k))
	for name, v := range k {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return nil, fmt.Errorf("key attribute %s is not a string", name)
		}
		out[name] = s.Value
	}
	return out, nil
}
