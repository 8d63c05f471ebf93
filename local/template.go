// Package local runs the product on a laptop: a Cognito emulator (moto)
// provisioned from the synthesized CloudFormation template, and a gateway
// that does what API Gateway and its Cognito authorizer do, in front of the
// very same handler the Lambda runs.
package local

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Template is the part of a CloudFormation template local mode reads.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one template resource.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

// ReadTemplate loads a synthesized template, e.g. cdk.out/UserAdmin-dev.template.json.
func ReadTemplate(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the synthesized template (run make synth first): %w", err)
	}
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// OfType returns the logical IDs of the resources of typ, sorted.
func (t *Template) OfType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// One returns the only resource of typ, or an error.
func (t *Template) One(typ string) (string, Resource, error) {
	ids := t.OfType(typ)
	if len(ids) != 1 {
		return "", Resource{}, fmt.Errorf("template: want one %s, found %d", typ, len(ids))
	}
	return ids[0], t.Resources[ids[0]], nil
}

// APIFunction returns the API's Lambda function: the only one neither an
// event source mapping nor a custom resource invokes (the others are the
// user events publisher, fed by the audit table's stream, and CDK's
// BucketDeployment handler, which copies the console's files at deploy).
func (t *Template) APIFunction() (string, Resource, error) {
	fed := map[string]bool{}
	for _, id := range t.OfType("AWS::Lambda::EventSourceMapping") {
		if ref, ok := t.Resources[id].Properties["FunctionName"].(map[string]any); ok {
			if name, ok := ref["Ref"].(string); ok {
				fed[name] = true
			}
		}
	}
	for _, r := range t.Resources {
		if !strings.HasPrefix(r.Type, "Custom::") && r.Type != "AWS::CloudFormation::CustomResource" {
			continue
		}
		token, _ := r.Properties["ServiceToken"].(map[string]any)
		if ga, ok := token["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			fed[fmt.Sprint(ga[0])] = true
		}
	}
	var ids []string
	for _, id := range t.OfType("AWS::Lambda::Function") {
		if !fed[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return "", Resource{}, fmt.Errorf("template: want one API function (not fed by an event source mapping or a custom resource), found %d", len(ids))
	}
	return ids[0], t.Resources[ids[0]], nil
}

// refs maps logical IDs to the physical values local mode created for them.
type refs map[string]string

// resolve replaces {"Ref": id} with its value; any other intrinsic is an error.
func (r refs) resolve(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["Ref"].(string); ok && len(v) == 1 {
			val, ok := r[id]
			if !ok {
				return nil, fmt.Errorf("unresolved reference to %s", id)
			}
			return val, nil
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			if len(k) > 3 && k[:4] == "Fn::" {
				return nil, fmt.Errorf("intrinsic %s is not supported locally", k)
			}
			var err error
			if out[k], err = r.resolve(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			var err error
			if out[i], err = r.resolve(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}
