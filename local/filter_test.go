package local

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// The mapping and its function as infra/userevents.go writes them into the template.
func mappingTemplate(pattern string) *Template {
	return &Template{Resources: map[string]Resource{
		"Bus": {Type: "AWS::Events::EventBus"},
		"Api": {Type: "AWS::Lambda::Function", Properties: map[string]any{"Timeout": 10.0}},
		"Publisher": {Type: "AWS::Lambda::Function", Properties: map[string]any{"Environment": map[string]any{"Variables": map[string]any{
			"EVENT_BUS_NAME": map[string]any{"Ref": "Bus"}, "EVENT_SOURCE": "useradmin.dev"}}}},
		"Mapping": {Type: "AWS::Lambda::EventSourceMapping", Properties: map[string]any{
			"FunctionName": map[string]any{"Ref": "Publisher"}, "BatchSize": 10.0,
			"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": pattern}}},
		}},
	}}
}

const infraFilter = `{"dynamodb":{"NewImage":{"eventType":{"S":[{"exists":true}]}}},"eventName":["INSERT"]}`

func TestEventSourceMapping(t *testing.T) {
	tpl := mappingTemplate(infraFilter)
	m, err := readEventSourceMapping(tpl, refs{"Bus": "useradmin-dev"}.resolve)
	if err != nil {
		t.Fatal(err)
	}
	if m.BatchSize != 10 || m.Env["EVENT_BUS_NAME"] != "useradmin-dev" || m.Env["EVENT_SOURCE"] != "useradmin.dev" {
		t.Errorf("mapping %+v", m)
	}
	rec := func(name streamtypes.OperationType, image map[string]streamtypes.AttributeValue) map[string]any {
		return streamRecord(streamtypes.Record{EventName: name, EventID: aws.String("e"),
			Dynamodb: &streamtypes.StreamRecord{SequenceNumber: aws.String("1"), NewImage: image}})
	}
	detail := &streamtypes.AttributeValueMemberS{Value: `{"id":"x"}`}
	typ := &streamtypes.AttributeValueMemberS{Value: "UserDisabled"}
	if !m.passes(rec("INSERT", map[string]streamtypes.AttributeValue{"eventType": typ, "detail": detail})) {
		t.Error("a successful change is filtered out")
	}
	// Dropped: a refusal (no eventType), and anything but an insert.
	for name, r := range map[string]map[string]any{
		"refusal": rec("INSERT", map[string]streamtypes.AttributeValue{"detail": detail}),
		"modify":  rec("MODIFY", map[string]streamtypes.AttributeValue{"eventType": typ, "detail": detail}),
		"remove":  rec("REMOVE", nil),
	} {
		if m.passes(r) {
			t.Errorf("%s passed the filter", name)
		}
	}
	// The API's function is the one the mapping does not invoke.
	if id, _, err := tpl.APIFunction(); id != "Api" || err != nil {
		t.Errorf("APIFunction = %q, %v", id, err)
	}
}

// A pattern operator local mode does not implement is refused at start, not silently misapplied.
func TestEventSourceMappingRefusesUnknownOperators(t *testing.T) {
	_, err := readEventSourceMapping(mappingTemplate(`{"eventName":[{"prefix":"IN"}]}`), refs{"Bus": "b"}.resolve)
	if err == nil || !strings.Contains(err.Error(), "prefix") {
		t.Errorf("err = %v, want the prefix operator refused", err)
	}
}
