package test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/api"
	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/lambda/handler"
)

// The OpenAPI document, the handler and the synthesized API serve one set of routes.
func TestRoutesMatchTheDocument(t *testing.T) {
	spec, err := api.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc := spec.Keys()
	if got := handler.Routes(); !slices.Equal(got, doc) {
		t.Errorf("handler routes differ from api/openapi.yaml:\n handler %v\n     doc %v", got, doc)
	}
	needEnv(t)
	// dev's SCIM routes are SCIM's (RFC 7644, docs/scim.md), not the document's: exactly these two.
	got := slices.DeleteFunc(env.Gateway.Routes(), func(r string) bool { return strings.HasPrefix(r, "ANY /scim/v2") })
	if scim := len(env.Gateway.Routes()) - len(got); scim != 2 {
		t.Errorf("%d SCIM routes in the template, want ANY /scim/v2 and ANY /scim/v2/{proxy+}", scim)
	}
	if !slices.Equal(got, doc) {
		t.Errorf("the synthesized API's routes differ from api/openapi.yaml:\n template %v\n      doc %v", got, doc)
	}
}

// The Lambda's IAM actions are exactly the methods of the handler's Cognito
// interface: a new call without its permission, or a permission nothing
// uses, fails here rather than in production.
func TestIAMActionsMatchTheCognitoInterface(t *testing.T) {
	iface := reflect.TypeFor[handler.Cognito]()
	var used []string
	for i := range iface.NumMethod() {
		used = append(used, "cognito-idp:"+iface.Method(i).Name)
	}
	granted := slices.Sorted(slices.Values(infra.CognitoActions))
	if !slices.Equal(used, granted) {
		t.Errorf("IAM actions differ from the Cognito interface:\n granted %v\n    used %v", granted, used)
	}
}
