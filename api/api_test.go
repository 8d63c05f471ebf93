package api

import (
	"reflect"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"DELETE /users/{email}",
		"DELETE /users/{email}/groups/{group}",
		"DELETE /users/{email}/mfa",
		"GET /audit",
		"GET /groups",
		"GET /groups/{group}/users",
		"GET /me",
		"GET /users",
		"GET /users/{email}",
		"GET /users/{email}/history",
		"PATCH /users/{email}",
		"POST /imports/preview",
		"POST /users",
		"POST /users/{email}/disable",
		"POST /users/{email}/enable",
		"POST /users/{email}/invitation",
		"POST /users/{email}/password",
		"POST /users/{email}/sign-out",
		"PUT /users/{email}/groups/{group}",
	}
	if got := spec.Keys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("routes:\n got %q\nwant %q", got, want)
	}
	for _, r := range spec.Routes {
		if r.OperationID == "" {
			t.Errorf("%s has no operationId", r.Key())
		}
		for _, p := range r.PathParams {
			if !strings.Contains(r.Path, "{"+p+"}") {
				t.Errorf("%s declares path parameter %s that is not in the path", r.Key(), p)
			}
		}
		if n := strings.Count(r.Path, "{"); n != len(r.PathParams) {
			t.Errorf("%s: %d placeholders, %d path parameters", r.Key(), n, len(r.PathParams))
		}
	}
}

func TestCreateUserModel(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var create Route
	for _, r := range spec.Routes {
		if r.Key() == "POST /users" {
			create = r
		}
	}
	if create.BodyModel != "CreateUserRequest" {
		t.Fatalf("POST /users body model = %q", create.BodyModel)
	}
	m := spec.Models["CreateUserRequest"]
	if m["additionalProperties"] != false {
		t.Errorf("unknown fields must be refused: additionalProperties = %v", m["additionalProperties"])
	}
	if !reflect.DeepEqual(m["required"], []any{"email"}) {
		t.Errorf("required = %v", m["required"])
	}
	props := m["properties"].(map[string]any)
	for name, typ := range map[string]string{"email": "string", "temporaryPassword": "string", "sendInvitation": "boolean", "groups": "array"} {
		if got := props[name].(map[string]any)["type"]; got != typ {
			t.Errorf("%s type = %v, want %s", name, got, typ)
		}
	}
}

// The password body is closed, like create's; the PATCH body leaves unknown
// fields and attributes to the Lambda, which names each in its 400.
func TestPasswordAndUpdateModels(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	models := map[string]string{}
	for _, r := range spec.Routes {
		models[r.Key()] = r.BodyModel
	}
	if models["POST /users/{email}/password"] != "PasswordRequest" || models["PATCH /users/{email}"] != "UpdateUserRequest" {
		t.Fatalf("body models = %v", models)
	}
	pw := spec.Models["PasswordRequest"]
	if pw["additionalProperties"] != false || !reflect.DeepEqual(pw["required"], []any{"mode"}) {
		t.Errorf("PasswordRequest = %v", pw)
	}
	if mode := pw["properties"].(map[string]any)["mode"].(map[string]any); !reflect.DeepEqual(mode["enum"], []any{"reset", "temporary"}) {
		t.Errorf("mode = %v", mode)
	}
	if _, bounded := pw["properties"].(map[string]any)["temporaryPassword"].(map[string]any)["maxLength"]; bounded {
		t.Error("temporaryPassword has length bounds: API Gateway's validator would quote the password back")
	}
	up := spec.Models["UpdateUserRequest"]
	if _, ok := up["additionalProperties"]; ok {
		t.Errorf("UpdateUserRequest sets additionalProperties: unknown fields would get API Gateway's generic 400, not one naming them")
	}
	attrs := up["properties"].(map[string]any)["attributes"].(map[string]any)
	if attrs["type"] != "object" || !reflect.DeepEqual(attrs["additionalProperties"], map[string]any{"type": "string"}) {
		t.Errorf("attributes = %v", attrs)
	}
	for _, r := range spec.Routes {
		if r.OperationID == "" {
			t.Errorf("%s has no operationId", r.Key())
		}
	}
}

func TestInlineRefs(t *testing.T) {
	spec, err := Parse([]byte(`
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Outer"}
components:
  schemas:
    Outer:
      type: object
      properties:
        inner: {$ref: "#/components/schemas/Inner"}
    Inner: {type: string, example: x}
`))
	if err != nil {
		t.Fatal(err)
	}
	inner := spec.Models["Outer"]["properties"].(map[string]any)["inner"]
	if !reflect.DeepEqual(inner, map[string]any{"type": "string"}) {
		t.Fatalf("inner = %v", inner)
	}
}

func TestParseErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown schema": "paths: {/a: {post: {requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}}}}",
		"inline body":    "paths: {/a: {post: {requestBody: {content: {application/json: {schema: {type: object}}}}}}}",
		"cycle":          "paths: {/a: {post: {requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}}}\ncomponents: {schemas: {A: {properties: {a: {$ref: '#/components/schemas/A'}}}}}",
		"bad parameter":  "paths: {/a: {get: {parameters: [{$ref: '#/components/parameters/Nope'}]}}}",
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The preview's model takes {"content": "<CSV>"} only, and sets no length:
// the Lambda's 413 names the limit, API Gateway's 400 would not.
func TestImportPreviewModel(t *testing.T) {
	spec, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range spec.Routes {
		if r.Key() == "POST /imports/preview" && r.BodyModel != "ImportPreviewRequest" {
			t.Fatalf("POST /imports/preview body model = %q", r.BodyModel)
		}
	}
	m := spec.Models["ImportPreviewRequest"]
	if m["additionalProperties"] != false || !reflect.DeepEqual(m["required"], []any{"content"}) {
		t.Errorf("model = %v", m)
	}
	content := m["properties"].(map[string]any)["content"].(map[string]any)
	if content["type"] != "string" || content["maxLength"] != nil {
		t.Errorf("content = %v, want a string without maxLength", content)
	}
}
