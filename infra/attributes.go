package infra

import (
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/api"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// Config.CustomAttributes is the one declaration of the pool's custom
// attributes. From it come the pool's schema (here), the Lambda's settings
// (function.go) and API Gateway's model of the PATCH body (withAttributes).
// Adding one is an in-place update of the pool; removing or changing one
// would replace it, which the snapshot tests' replacement guard refuses.

// poolAttributes are the custom attributes as the user pool declares them:
// mutable, so admins can change them.
func poolAttributes(attrs []settings.CustomAttribute) *map[string]awscognito.ICustomAttribute {
	if len(attrs) == 0 {
		return nil
	}
	out := map[string]awscognito.ICustomAttribute{}
	for _, a := range attrs {
		if a.Type == settings.AttributeNumber {
			p := &awscognito.NumberAttributeProps{Mutable: jsii.Bool(true)}
			if a.Min != nil {
				p.Min = jsii.Number(*a.Min)
			}
			if a.Max != nil {
				p.Max = jsii.Number(*a.Max)
			}
			out[a.Name] = awscognito.NewNumberAttribute(p)
			continue
		}
		out[a.Name] = awscognito.NewStringAttribute(&awscognito.StringAttributeProps{MaxLen: jsii.Number(a.MaxLength), Mutable: jsii.Bool(true)})
	}
	return &out
}

// updateModel is the OpenAPI schema of the PATCH body.
const updateModel = "UpdateUserRequest"

// withAttributes lists the declared custom attributes, each with its
// schema, in the PATCH body's model, so API Gateway checks their values.
// Undeclared names still pass the model (its attributes take any string
// member), for the Lambda to refuse naming them.
func withAttributes(spec *api.Spec, attrs []settings.CustomAttribute) *api.Spec {
	model, ok := spec.Models[updateModel]
	if !ok || len(attrs) == 0 {
		return spec
	}
	props := model["properties"].(map[string]any)
	attributes := maps.Clone(props["attributes"].(map[string]any))
	declared := map[string]any{}
	for _, a := range attrs {
		declared[a.Name] = a.Schema()
	}
	attributes["properties"] = declared
	props = maps.Clone(props)
	props["attributes"] = attributes
	model = maps.Clone(model)
	model["properties"] = props
	out := *spec
	out.Models = maps.Clone(spec.Models)
	out.Models[updateModel] = model
	return &out
}

// clientAttributes are what a client may read and write of the signed-in
// user's own attributes, set on both clients: without them Cognito lets a
// user's access token write every standard attribute, given_name and
// family_name included. What admins manage (PATCH /users/{email}: the names
// and the custom attributes) is readable, never writable by a client, and
// neither is email: it is the username admins gave, and a user who changed it
// would move their sign-in name past the admins. The one attribute users
// write is locale, a display preference nothing here reads. An empty write
// list would mean Cognito's default (every standard attribute), so it is
// never empty.
func clientAttributes(attrs []settings.CustomAttribute) (read, write awscognito.ClientAttributes) {
	write = awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{Locale: jsii.Bool(true)})
	var custom []*string
	for _, a := range attrs {
		custom = append(custom, jsii.String(a.Name))
	}
	read = awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{
		Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), GivenName: jsii.Bool(true), FamilyName: jsii.Bool(true),
	})
	if len(custom) > 0 {
		read = read.WithCustomAttributes(custom...)
	}
	return read, write
}
