package api

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// eventSchemas are the JSON Schemas of the user events (api/events), one per
// detail-type, generated from lambda/audit's Record.
//
//go:embed events/*.json
var eventSchemas embed.FS

// EventSchema compiles the JSON Schema of the user event of this detail-type.
func EventSchema(detailType string) (*jsonschema.Schema, error) {
	raw, err := eventSchemas.ReadFile("events/" + detailType + ".json")
	if err != nil {
		return nil, fmt.Errorf("no schema for event %q: %w", detailType, err)
	}
	return CompileSchema(detailType+".json", raw)
}

// CompileSchema compiles one JSON Schema document, asserting formats
// (date-time, email) as well as types.
func CompileSchema(name string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		return nil, err
	}
	return c.Compile(name)
}
