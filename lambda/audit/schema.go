package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// SourcePrefix starts every event's source: "useradmin.<env>".
const SourcePrefix = "useradmin."

// SchemaURL is where the schemas live in the repository, for their $id.
const SchemaURL = "https://github.com/useradmin/cognito-user-admin/api/events/"

// Schema is the JSON Schema (draft 2020-12) of one event type as EventBridge
// delivers it: the envelope's source and detail-type, and a detail that is
// a Record of that action. It is made from the Record type itself, so a new
// field changes the schemas (and the test that holds api/events/ to them).
func Schema(eventType string) ([]byte, error) {
	action, ok := EventTypes()[eventType]
	if !ok {
		return nil, fmt.Errorf("no event type %q", eventType)
	}
	detail := schemaOf(reflect.TypeFor[Record]())
	props := detail["properties"].(map[string]any)
	props["action"] = map[string]any{"const": action}
	props["outcome"] = map[string]any{"const": OutcomeSuccess}
	props["status"] = map[string]any{"type": "integer", "minimum": 200, "maximum": 299}
	s := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         SchemaURL + eventType + ".json",
		"title":       eventType,
		"description": fmt.Sprintf("The %s event on the environment's EventBridge bus: a successful %q change, recorded in the audit table.", eventType, action),
		"type":        "object",
		"required":    []string{"source", "detail-type", "detail"},
		"properties": map[string]any{
			"source":      map[string]any{"type": "string", "pattern": "^" + strings.ReplaceAll(SourcePrefix, ".", `\.`) + "(dev|stg|prd)$"},
			"detail-type": map[string]any{"const": eventType},
			"detail":      detail,
		},
	}
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// schemaOf describes t as JSON Schema, following encoding/json's rules for
// the shapes Record uses: structs (fields without omitempty are required,
// no others allowed), strings, integers, booleans, times, slices and maps.
func schemaOf(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Time]() {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return map[string]any{"type": "object"}
		}
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		required := []string{}
		for f := range t.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			props[name] = schemaOf(f.Type)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	}
	panic("audit: no schema for " + t.String())
}
