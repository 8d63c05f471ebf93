package local

import (
	"encoding/json"
	"fmt"
)

// eventSourceMapping is what local mode reads of the template's
// AWS::Lambda::EventSourceMapping on the audit table's stream: the filter,
// the batch size, and the environment of the function it invokes.
type eventSourceMapping struct {
	// Filters are the mapping's filter patterns (Lambda event filtering syntax); a record passes if one matches.
	Filters   []map[string]any
	BatchSize int
	// Env is the invoked function's environment, references resolved.
	Env map[string]string
}

// readEventSourceMapping reads the template's one event source mapping and
// its function's environment, resolving references with resolve.
func readEventSourceMapping(t *Template, resolve func(any) (any, error)) (eventSourceMapping, error) {
	m := eventSourceMapping{BatchSize: 100} // Lambda's default for a DynamoDB stream
	_, esm, err := t.One("AWS::Lambda::EventSourceMapping")
	if err != nil {
		return m, err
	}
	var p struct {
		FunctionName   map[string]string
		BatchSize      int
		FilterCriteria struct{ Filters []struct{ Pattern string } }
	}
	b, _ := json.Marshal(esm.Properties)
	if err := json.Unmarshal(b, &p); err != nil {
		return m, fmt.Errorf("the event source mapping's properties: %w", err)
	}
	if p.BatchSize > 0 {
		m.BatchSize = p.BatchSize
	}
	for _, f := range p.FilterCriteria.Filters {
		var pat map[string]any
		if err := json.Unmarshal([]byte(f.Pattern), &pat); err != nil {
			return m, fmt.Errorf("the event source mapping's filter %s: %w", f.Pattern, err)
		}
		if err := checkPattern(pat); err != nil {
			return m, fmt.Errorf("the event source mapping's filter %s: %w", f.Pattern, err)
		}
		m.Filters = append(m.Filters, pat)
	}
	fn, ok := t.Resources[p.FunctionName["Ref"]]
	if !ok || fn.Type != "AWS::Lambda::Function" {
		return m, fmt.Errorf("the event source mapping's function %v is not a function of the template", p.FunctionName)
	}
	envProps, _ := fn.Properties["Environment"].(map[string]any)
	vars, err := resolve(envProps["Variables"])
	if err != nil {
		return m, fmt.Errorf("the events publisher's environment: %w", err)
	}
	m.Env = map[string]string{}
	for k, v := range vars.(map[string]any) {
		s, ok := v.(string)
		if !ok {
			return m, fmt.Errorf("the events publisher's %s is not a string: %v", k, v)
		}
		m.Env[k] = s
	}
	return m, nil
}

// passes reports whether record (in the JSON form Lambda filters) matches one of the filters; no filters pass everything.
func (m eventSourceMapping) passes(record map[string]any) bool {
	if len(m.Filters) == 0 {
		return true
	}
	for _, f := range m.Filters {
		if matches(f, record) {
			return true
		}
	}
	return false
}

// checkPattern refuses the parts of the filter pattern syntax local
// mode does not implement, so a filter is never silently misapplied.
func checkPattern(p map[string]any) error {
	for k, v := range p {
		switch v := v.(type) {
		case map[string]any:
			if err := checkPattern(v); err != nil {
				return err
			}
		case []any:
			for _, x := range v {
				if op, ok := x.(map[string]any); ok {
					if _, exists := op["exists"]; !exists || len(op) != 1 {
						return fmt.Errorf("%s: only exact values and exists are supported locally, not %v", k, op)
					}
				}
			}
		default:
			return fmt.Errorf("%s: a pattern's leaves are arrays", k)
		}
	}
	return nil
}

// matches applies a filter pattern (exact values and exists) to v.
func matches(pattern map[string]any, v any) bool {
	obj, _ := v.(map[string]any)
	for k, want := range pattern {
		got, present := obj[k]
		switch want := want.(type) {
		case map[string]any:
			if !present || !matches(want, got) {
				return false
			}
		case []any:
			ok := false
			for _, alt := range want {
				if op, isOp := alt.(map[string]any); isOp {
					ok = ok || op["exists"] == present
				} else {
					ok = ok || (present && equalValue(alt, got))
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

func equalValue(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
