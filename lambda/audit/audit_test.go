package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/useradmin/cognito-user-admin/api"
)

// fakeDB records the requests and answers queries from a script.
type fakeDB struct {
	puts    []*dynamodb.PutItemInput
	queries []*dynamodb.QueryInput
	answers []*dynamodb.QueryOutput
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.puts = append(f.puts, in)
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	// A copy: the store reuses its input between day partitions.
	c := *in
	c.ExpressionAttributeValues = map[string]types.AttributeValue{}
	for k, v := range in.ExpressionAttributeValues {
		c.ExpressionAttributeValues[k] = v
	}
	f.queries = append(f.queries, &c)
	if len(f.answers) == 0 {
		return &dynamodb.QueryOutput{}, nil
	}
	out := f.answers[0]
	f.answers = f.answers[1:]
	return out, nil
}

var at = time.Date(2026, 12, 2, 3, 4, 5, 600, time.UTC)

func sample() Record {
	return Record{
		ID: NewID(at, "req-1"), Time: at, RequestID: "req-1",
		Actor:  Actor{Sub: "sub-1", Email: "admin@example.com"},
		Action: "disable", Target: "maria@example.com", Outcome: "success", Status: 200,
		Before: &State{Enabled: aws.Bool(true)}, After: &State{Enabled: aws.Bool(false)},
	}
}

func s(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }

// Put writes the item once, never over another: the condition is what makes the trail append-only.
func TestPut(t *testing.T) {
	db := &fakeDB{}
	st := NewStore(db, "audit", 400)
	r := sample()
	if err := st.Put(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	in := db.puts[0]
	if aws.ToString(in.ConditionExpression) != "attribute_not_exists(pk)" || aws.ToString(in.TableName) != "audit" {
		t.Errorf("put %+v", in)
	}
	detail, _ := json.Marshal(r)
	want := map[string]types.AttributeValue{
		"pk": s("user#maria@example.com"), "sk": s("2026-12-02T03:04:05.000000600Z#req-1"),
		"actorKey": s("actor#admin@example.com"), "dayKey": s("day#2026-12-02"), "action": s("disable"),
		"detail": s(string(detail)), "eventType": s("UserDisabled"),
		"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(at.AddDate(0, 0, 400).Unix(), 10)},
	}
	if d := cmp.Diff(want, in.Item, cmp.AllowUnexported(types.AttributeValueMemberS{}, types.AttributeValueMemberN{})); d != "" {
		t.Errorf("item (-want +got):\n%s", d)
	}
	// A refusal has no event type, so the event source mapping's filter drops it; no target files under "-".
	r.Outcome, r.Status, r.Target = "Forbidden", 403, ""
	item, _ := st.Item(r)
	if _, ok := item[AttrEventType]; ok || item[AttrPK].(*types.AttributeValueMemberS).Value != "user#-" {
		t.Errorf("refusal item %v", item)
	}
	// Without retention, no TTL.
	if item, _ := NewStore(db, "audit", 0).Item(sample()); item[AttrExpiresAt] != nil {
		t.Error("TTL without retention")
	}
}

func item(t *testing.T, r Record) map[string]types.AttributeValue {
	t.Helper()
	it, err := NewStore(nil, "audit", 0).Item(r)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// Each filter reads its own key, newest first; nothing scans.
func TestQueryChoosesTheKey(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, index, keyValue, filter string
		f                             Filter
	}{
		{"user", "", "user#maria@example.com", "#action = :action AND #actor = :actor", Filter{User: "maria@example.com", Actor: "admin@example.com", Action: "disable", Since: since, Until: at}},
		{"actor", IndexByActor, "actor#admin@example.com", "", Filter{Actor: "admin@example.com", Since: since, Until: at}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeDB{answers: []*dynamodb.QueryOutput{{
				Items:            []map[string]types.AttributeValue{item(t, sample())},
				LastEvaluatedKey: map[string]types.AttributeValue{"pk": s("a"), "sk": s("b")},
			}}}
			recs, next, err := NewStore(db, "audit", 30).Query(context.Background(), tc.f, 10, &Cursor{Key: map[string]string{"pk": "p0"}}, at)
			if err != nil || len(recs) != 1 || recs[0].Target != "maria@example.com" {
				t.Fatalf("records %+v, %v", recs, err)
			}
			if d := cmp.Diff(&Cursor{Key: map[string]string{"pk": "a", "sk": "b"}}, next); d != "" {
				t.Errorf("next (-want +got):\n%s", d)
			}
			q := db.queries[0]
			if aws.ToString(q.IndexName) != tc.index || aws.ToBool(q.ScanIndexForward) || aws.ToInt32(q.Limit) != 10 ||
				q.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS).Value != tc.keyValue ||
				q.ExpressionAttributeValues[":lo"].(*types.AttributeValueMemberS).Value != "2026-11-01T00:00:00.000000000Z" ||
				q.ExpressionAttributeValues[":hi"].(*types.AttributeValueMemberS).Value != "2026-12-02T03:04:05.000000600Z~" ||
				aws.ToString(q.FilterExpression) != tc.filter || q.ExclusiveStartKey["pk"].(*types.AttributeValueMemberS).Value != "p0" {
				t.Errorf("query %+v", q)
			}
		})
	}
}

// Pool-wide queries walk day partitions from until back to since, continue
// from the cursor's day, and stop at the page's limit.
func TestQueryWalksDays(t *testing.T) {
	r := sample()
	db := &fakeDB{answers: []*dynamodb.QueryOutput{
		{}, // Dec 2: nothing
		{Items: []map[string]types.AttributeValue{item(t, r)}}, // Dec 1: one
		{Items: []map[string]types.AttributeValue{item(t, r)}}, // Nov 30: one, the page is full
	}}
	st := NewStore(db, "audit", 30)
	recs, next, err := st.Query(context.Background(), Filter{Since: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}, 2, nil, at)
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	var days []string
	for _, q := range db.queries {
		days = append(days, q.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS).Value)
		if aws.ToString(q.IndexName) != IndexByDay {
			t.Errorf("index %v", q.IndexName)
		}
	}
	if d := cmp.Diff([]string{"day#2026-12-02", "day#2026-12-01", "day#2026-11-30"}, days); d != "" {
		t.Errorf("days (-want +got):\n%s", d)
	}
	if aws.ToInt32(db.queries[2].Limit) != 1 {
		t.Errorf("the last day's limit is %d, want what the page still holds (1)", aws.ToInt32(db.queries[2].Limit))
	}
	if d := cmp.Diff(&Cursor{Day: "2026-11-29"}, next); d != "" {
		t.Errorf("next (-want +got):\n%s", d)
	}
	// From that cursor, down to since's day, then the end.
	db.queries = nil
	_, next, err = st.Query(context.Background(), Filter{Since: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}, 2, next, at)
	if err != nil || next != nil || len(db.queries) != 2 {
		t.Errorf("next %+v after %d queries, %v; want the end after Nov 29 and 28", next, len(db.queries), err)
	}
	// A quiet year costs at most maxDayQueries per page.
	db.queries = nil
	_, next, _ = NewStore(db, "audit", 400).Query(context.Background(), Filter{}, 10, nil, at)
	if len(db.queries) != maxDayQueries || next == nil {
		t.Errorf("%d queries, next %v", len(db.queries), next)
	}
	// Without since, the lower bound is still a key value: DynamoDB refuses an empty one.
	if lo := db.queries[0].ExpressionAttributeValues[":lo"].(*types.AttributeValueMemberS).Value; lo == "" || lo > "2" {
		t.Errorf(":lo = %q, want a non-empty value before every id", lo)
	}
}

// The schemas in api/events are the ones Schema makes from Record
// (UPDATE_SCHEMAS=1 rewrites them), and a record of each type validates
// against its own schema and against no other.
func TestSchemas(t *testing.T) {
	dir := filepath.Join("..", "..", "api", "events")
	var types []string
	for typ := range EventTypes() {
		types = append(types, typ)
	}
	slices.Sort(types)
	if len(types) != 13 {
		t.Errorf("%d event types: %v", len(types), types)
	}
	for _, typ := range types {
		want, err := Schema(typ)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, typ+".json")
		if os.Getenv("UPDATE_SCHEMAS") != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from audit.Schema (%v): run UPDATE_SCHEMAS=1 go test ./lambda/audit -run TestSchemas", path, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != len(types) {
		t.Errorf("api/events holds %d schemas, want %d", len(files), len(types))
	}
	r := sample()
	event := func(r Record) any {
		b, _ := json.Marshal(map[string]any{"source": "useradmin.dev", "detail-type": r.EventType(), "detail": r})
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		return v
	}
	for _, typ := range types {
		sch := compile(t, typ)
		rec := r
		rec.Action = EventTypes()[typ]
		if err := sch.Validate(event(rec)); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
		other := r
		other.Action = "create"
		if typ != "UserCreated" && sch.Validate(event(other)) == nil {
			t.Errorf("%s accepts a create", typ)
		}
	}
	bad := r
	bad.Details = map[string]any{"x": 1}
	b, _ := json.Marshal(map[string]any{"source": "useradmin.dev", "detail-type": "UserDisabled", "detail": bad, "extra": 1})
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["detail"].(map[string]any)["password"] = "x"
	if compile(t, "UserDisabled").Validate(m) == nil {
		t.Error("a detail with a field the Record lacks validates")
	}
}

func compile(t *testing.T, typ string) *jsonschema.Schema {
	t.Helper()
	raw, err := Schema(typ)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := api.CompileSchema(typ+".json", raw)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
