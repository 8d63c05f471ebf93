// Package local runs the product on a laptop: a Cognito emulator (moto)
// provisioned from the synthesized CloudFormation template, and a gateway
// that does what API Gateway and its Cognito authorizer do, in front of the
// very same handler the Lambda runs.
package local

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// APIFunction returns the API's Lambda function: the only one that neither
// an event source mapping, a custom resource nor an API authorizer invokes
// (the others are the user events publisher, fed by the audit table's
// stream; CDK's BucketDeployment handler, which copies the console's files
// at deploy; and the SCIM authorizer).
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
	for _, id := range t.OfType("AWS::ApiGateway::Authorizer") {
		if fn := t.authorizerFunction(id); fn != "" {
			fed[fn] = true
		}
	}
	var ids []string
	for _, id := range t.OfType("AWS::Lambda::Function") {
		if !fed[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return "", Resource{}, fmt.Errorf("template: want one API function (not fed by an event source mapping, a custom resource or an authorizer), found %d", len(ids))
	}
	return ids[0], t.Resources[ids[0]], nil
}

// authorizerFunction is the logical ID of the Lambda function a REQUEST or
// TOKEN authorizer invokes, found in its AuthorizerUri
// (…/functions/<Fn::GetAtt [id, Arn]>/invocations), or "".
func (t *Template) authorizerFunction(authorizerID string) string {
	var find func(v any) string
	find = func(v any) string {
		switch v := v.(type) {
		case map[string]any:
			if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[1] == "Arn" {
				if id, ok := ga[0].(string); ok && t.Resources[id].Type == "AWS::Lambda::Function" {
					return id
				}
			}
			for _, x := range v {
				if id := find(x); id != "" {
					return id
				}
			}
		case []any:
			for _, x := range v {
				if id := find(x); id != "" {
					return id
				}
			}
		}
		return ""
	}
	return find(t.Resources[authorizerID].Properties["AuthorizerUri"])
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
		if join, ok := v["Fn::Join"].([]any); ok && len(v) == 1 {
			return r.join(join)
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

// join resolves Fn::Join [separator, [parts]] whose parts are strings or
// references (an OAuth scope is "<resource server>/<scope>").
func (r refs) join(args []any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("malformed Fn::Join %v", args)
	}
	sep, ok := args[0].(string)
	parts, ok2 := args[1].([]any)
	if !ok || !ok2 {
		return nil, fmt.Errorf("malformed Fn::Join %v", args)
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		v, err := r.resolve(p)
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Join of a non-string %v", v)
		}
		out[i] = s
	}
	return strings.Join(out, sep), nil
}

// ConsoleAsset is the folder, in the cloud assembly at assemblyDir, of the
// console a BucketDeployment of the template uploads (the asset holding
// index.html, as synth built it), or "" when the template deploys none.
// CDK stages each asset as asset.<hash> and names its object <hash>.zip.
func (t *Template) ConsoleAsset(assemblyDir string) string {
	for _, id := range t.OfType("Custom::CDKBucketDeployment") {
		keys, _ := t.Resources[id].Properties["SourceObjectKeys"].([]any)
		for _, k := range keys {
			key, ok := k.(string)
			if !ok {
				continue
			}
			dir := filepath.Join(assemblyDir, "asset."+strings.TrimSuffix(key, ".zip"))
			if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
				return dir
			}
		}
	}
	return ""
}
