package local

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// PipeMapping is what an EventBridge pipe of the template does to each
// stream record: its filter, its input template, and the event's
// detail-type and source. Local mode reads it from the template and
// applies it itself, because the emulator has no Pipes.
type PipeMapping struct {
	// Filters are the source's filter patterns (EventBridge pattern syntax); a record passes if one matches.
	Filters []map[string]any
	// InputTemplate shapes the event's detail from the record.
	InputTemplate string
	// DetailType is a literal or a JSON path into the record ("$.a.b").
	DetailType string
	Source     string
}

// pipeMapping reads the pipe resource's mapping.
func pipeMapping(r Resource) (PipeMapping, error) {
	var p struct {
		SourceParameters struct {
			FilterCriteria struct {
				Filters []struct{ Pattern string }
			}
		}
		TargetParameters struct {
			InputTemplate                 string
			EventBridgeEventBusParameters struct{ DetailType, Source string }
		}
	}
	b, _ := json.Marshal(r.Properties)
	if err := json.Unmarshal(b, &p); err != nil {
		return PipeMapping{}, fmt.Errorf("the pipe's properties: %w", err)
	}
	m := PipeMapping{
		InputTemplate: p.TargetParameters.InputTemplate,
		DetailType:    p.TargetParameters.EventBridgeEventBusParameters.DetailType,
		Source:        p.TargetParameters.EventBridgeEventBusParameters.Source,
	}
	for _, f := range p.SourceParameters.FilterCriteria.Filters {
		var pat map[string]any
		if err := json.Unmarshal([]byte(f.Pattern), &pat); err != nil {
			return m, fmt.Errorf("the pipe's filter %s: %w", f.Pattern, err)
		}
		if err := checkPattern(pat); err != nil {
			return m, fmt.Errorf("the pipe's filter %s: %w", f.Pattern, err)
		}
		m.Filters = append(m.Filters, pat)
	}
	if m.Source == "" || m.DetailType == "" {
		return m, fmt.Errorf("the pipe sets no event source or detail-type")
	}
	return m, nil
}

// checkPattern refuses the parts of EventBridge's pattern syntax local
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

// Apply maps one stream record (in the JSON form Pipes sees) to an event's
// detail-type, source and detail, or ok false when the filters drop it.
func (m PipeMapping) Apply(record map[string]any) (detailType, source, detail string, ok bool, err error) {
	if len(m.Filters) > 0 {
		pass := false
		for _, f := range m.Filters {
			pass = pass || matches(f, record)
		}
		if !pass {
			return "", "", "", false, nil
		}
	}
	detailType = m.DetailType
	if strings.HasPrefix(detailType, "$.") {
		v, found := lookup(record, detailType)
		s, isString := v.(string)
		if !found || !isString {
			return "", "", "", false, fmt.Errorf("detail-type path %s is not a string in the record", detailType)
		}
		detailType = s
	}
	detail, err = m.render(record)
	if err != nil {
		return "", "", "", false, err
	}
	if !json.Valid([]byte(detail)) {
		return "", "", "", false, fmt.Errorf("the input template made invalid JSON: %.200s", detail)
	}
	return detailType, m.Source, detail, true, nil
}

var placeholder = regexp.MustCompile(`<(\$(?:\.[A-Za-z0-9_-]+)+)>`)

// render fills the input template: a path to a string is inserted as the
// string's own text (so an item attribute holding JSON becomes JSON, as
// Pipes does for an unquoted placeholder); other values as JSON.
func (m PipeMapping) render(record map[string]any) (string, error) {
	if m.InputTemplate == "" {
		b, err := json.Marshal(record)
		return string(b), err
	}
	var err error
	out := placeholder.ReplaceAllStringFunc(m.InputTemplate, func(ph string) string {
		path := placeholder.FindStringSubmatch(ph)[1]
		v, found := lookup(record, path)
		if !found {
			err = fmt.Errorf("input template path %s is not in the record", path)
			return ""
		}
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	})
	return out, err
}

func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// matches applies an EventBridge pattern (exact values and exists) to v.
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
