package local

import (
	"encoding/json"
	"strings"
	"testing"
)

// The mapping as infra/userevents.go writes it into the template.
func testMapping(t *testing.T) PipeMapping {
	t.Helper()
	m, err := pipeMapping(Resource{Type: "AWS::Pipes::Pipe", Properties: map[string]any{
		"SourceParameters": map[string]any{"FilterCriteria": map[string]any{"Filters": []any{map[string]any{
			"Pattern": `{"dynamodb":{"NewImage":{"eventType":{"S":[{"exists":true}]}}},"eventName":["INSERT"]}`}}}},
		"TargetParameters": map[string]any{
			"InputTemplate":                 "<$.dynamodb.NewImage.detail.S>",
			"EventBridgeEventBusParameters": map[string]any{"DetailType": "$.dynamodb.NewImage.eventType.S", "Source": "useradmin.dev"},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func record(eventName string, image map[string]any) map[string]any {
	return map[string]any{"eventName": eventName, "dynamodb": map[string]any{"NewImage": image}}
}

func TestPipeMapping(t *testing.T) {
	m := testMapping(t)
	detail := `{"id":"x","action":"disable","before":{"enabled":true}}`
	typ, src, got, ok, err := m.Apply(record("INSERT", map[string]any{"eventType": map[string]any{"S": "UserDisabled"}, "detail": map[string]any{"S": detail}}))
	if err != nil || !ok || typ != "UserDisabled" || src != "useradmin.dev" || got != detail {
		t.Errorf("Apply = %q %q %q %v %v", typ, src, got, ok, err)
	}
	// Dropped: a refusal (no eventType), and anything but an insert.
	for name, r := range map[string]map[string]any{
		"refusal": record("INSERT", map[string]any{"detail": map[string]any{"S": detail}}),
		"modify":  record("MODIFY", map[string]any{"eventType": map[string]any{"S": "UserDisabled"}, "detail": map[string]any{"S": detail}}),
		"remove":  {"eventName": "REMOVE"},
	} {
		if _, _, _, ok, err := m.Apply(r); ok || err != nil {
			t.Errorf("%s passed the filter (%v)", name, err)
		}
	}
	// A detail that is not JSON is an error, never a malformed event.
	if _, _, _, _, err := m.Apply(record("INSERT", map[string]any{"eventType": map[string]any{"S": "UserDisabled"}, "detail": map[string]any{"S": "{"}})); err == nil {
		t.Error("invalid detail accepted")
	}
	// A non-string placeholder value is inserted as JSON.
	m.InputTemplate = `{"n": <$.dynamodb.NewImage.expiresAt>}`
	_, _, got, _, err = m.Apply(record("INSERT", map[string]any{"eventType": map[string]any{"S": "UserDisabled"}, "expiresAt": map[string]any{"N": "1"}}))
	if err != nil || !json.Valid([]byte(got)) || !strings.Contains(got, `{"N":"1"}`) {
		t.Errorf("template with an object: %q %v", got, err)
	}
}

// A pattern operator local mode does not implement is refused at start, not silently misapplied.
func TestPipeMappingRefusesUnknownOperators(t *testing.T) {
	_, err := pipeMapping(Resource{Properties: map[string]any{
		"SourceParameters": map[string]any{"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": `{"eventName":[{"prefix":"IN"}]}`}}}},
		"TargetParameters": map[string]any{"EventBridgeEventBusParameters": map[string]any{"DetailType": "x", "Source": "y"}},
	}})
	if err == nil || !strings.Contains(err.Error(), "prefix") {
		t.Errorf("err = %v, want the prefix operator refused", err)
	}
}
