// Package api holds the OpenAPI document of the admin API and reads the parts
// the rest of the product builds from: the routes, and the JSON schemas of
// request bodies that API Gateway validates.
package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Document is the OpenAPI 3 document, as written.
//
//go:embed openapi.yaml
var Document []byte

// Route is one operation of the API.
type Route struct {
	Method      string // upper case, e.g. POST
	Path        string // API Gateway resource path, e.g. /users/{email}
	OperationID string
	// PathParams and QueryParams name the operation's parameters.
	PathParams  []string
	QueryParams []string
	// BodyModel names the JSON request body's schema (a components.schemas key), or is empty.
	BodyModel string
}

// Key is how the handler names the route: "METHOD /path".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Spec is the parsed document.
type Spec struct {
	Routes []Route
	// Models are the request-body schemas by name, with every $ref inlined so
	// each stands alone, as an API Gateway model must.
	Models map[string]map[string]any
}

type document struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas    map[string]map[string]any `json:"schemas"`
		Parameters map[string]parameter      `json:"parameters"`
	} `json:"components"`
}

type parameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type operation struct {
	OperationID string      `json:"operationId"`
	Parameters  []parameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

var methods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}

// Load parses Document.
func Load() (*Spec, error) { return Parse(Document) }

// Parse reads an OpenAPI document in YAML or JSON.
func Parse(doc []byte) (*Spec, error) {
	raw, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	spec := &Spec{Models: map[string]map[string]any{}}
	for path, item := range d.Paths {
		var shared []parameter
		if p, ok := item["parameters"]; ok {
			if err := json.Unmarshal(p, &shared); err != nil {
				return nil, fmt.Errorf("openapi: %s parameters: %w", path, err)
			}
		}
		for m, body := range item {
			if !methods[m] {
				continue
			}
			var op operation
			if err := json.Unmarshal(body, &op); err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", m, path, err)
			}
			r := Route{Method: strings.ToUpper(m), Path: path, OperationID: op.OperationID}
			for _, p := range append(append([]parameter{}, shared...), op.Parameters...) {
				if p.Ref != "" {
					name := strings.TrimPrefix(p.Ref, "#/components/parameters/")
					var ok bool
					if p, ok = d.Components.Parameters[name]; !ok {
						return nil, fmt.Errorf("openapi: %s %s: unknown parameter %s", r.Method, path, p.Ref)
					}
				}
				switch p.In {
				case "path":
					r.PathParams = append(r.PathParams, p.Name)
				case "query":
					r.QueryParams = append(r.QueryParams, p.Name)
				}
			}
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["application/json"]; ok {
					name := strings.TrimPrefix(c.Schema.Ref, "#/components/schemas/")
					if name == c.Schema.Ref || d.Components.Schemas[name] == nil {
						return nil, fmt.Errorf("openapi: %s %s: the JSON body must $ref a component schema", r.Method, path)
					}
					r.BodyModel = name
					if spec.Models[name], err = inline(d.Components.Schemas[name], d.Components.Schemas, 0); err != nil {
						return nil, err
					}
				}
			}
			spec.Routes = append(spec.Routes, r)
		}
	}
	sort.Slice(spec.Routes, func(i, j int) bool { return spec.Routes[i].Key() < spec.Routes[j].Key() })
	return spec, nil
}

// Keys lists the routes as "METHOD /path", sorted.
func (s *Spec) Keys() []string {
	out := make([]string, len(s.Routes))
	for i, r := range s.Routes {
		out[i] = r.Key()
	}
	return out
}

// inline returns a copy of schema with every $ref to a component replaced by
// that component; API Gateway models cannot refer to each other by name.
func inline(schema map[string]any, all map[string]map[string]any, depth int) (map[string]any, error) {
	if depth > 32 {
		return nil, fmt.Errorf("openapi: schema references nest too deep (a cycle?)")
	}
	if ref, ok := schema["$ref"].(string); ok {
		target := all[strings.TrimPrefix(ref, "#/components/schemas/")]
		if target == nil {
			return nil, fmt.Errorf("openapi: unknown schema %s", ref)
		}
		return inline(target, all, depth+1)
	}
	out := make(map[string]any, len(schema))
	for k, v := range schema {
		if k == "example" {
			continue // documentation only; not JSON Schema draft 4
		}
		switch v := v.(type) {
		case map[string]any:
			if k == "properties" {
				props := make(map[string]any, len(v))
				for name, p := range v {
					m, ok := p.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("openapi: property %s is not a schema", name)
					}
					var err error
					if props[name], err = inline(m, all, depth+1); err != nil {
						return nil, err
					}
				}
				out[k] = props
				continue
			}
			var err error
			if out[k], err = inline(v, all, depth+1); err != nil {
				return nil, err
			}
		default:
			out[k] = v
		}
	}
	return out, nil
}
