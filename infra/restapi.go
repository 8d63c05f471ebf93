package infra

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/api"
)

// AdminAPIProps configures NewAdminAPI.
type AdminAPIProps struct {
	Pool    awscognito.IUserPool
	Handler awslambda.IFunction
	Spec    *api.Spec
	Config  Config
	// CORSOrigins are the origins the API answers browsers from, the
	// console's first (apiOrigins); the preflight and the gateway responses use them.
	CORSOrigins []string
}

// NewAdminAPI creates the regional REST API: every route of Spec, each behind
// the Cognito authorizer and proxied to Handler, JSON request bodies checked
// against the document's schemas before the Lambda runs.
func NewAdminAPI(scope constructs.Construct, id string, props *AdminAPIProps) awsapigateway.RestApi {
	c := props.Config
	accessLogs := newLogGroup(scope, id+"AccessLogs", c)
	var cors *awsapigateway.CorsOptions
	if len(props.CORSOrigins) > 0 {
		// The preflight's OPTIONS methods carry no authorizer: browsers send no Authorization on a preflight.
		cors = &awsapigateway.CorsOptions{
			AllowOrigins: jsii.Strings(props.CORSOrigins...),
			AllowMethods: jsii.Strings("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"),
			AllowHeaders: jsii.Strings("Authorization", "Content-Type"),
			MaxAge:       awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	// CloudWatchRole false: the account-wide logging role the stage's logs
	// need belongs to the account stack (accountstack.go) this stack depends on.
	restAPI := awsapigateway.NewRestApi(scope, jsii.String(id), &awsapigateway.RestApiProps{
		RestApiName:                 jsii.String("useradmin-" + c.Name),
		Description:                 jsii.String("Admin-only user provisioning for the " + c.Name + " user pool"),
		EndpointConfiguration:       &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		CloudWatchRole:              jsii.Bool(false),
		DefaultCorsPreflightOptions: cors,
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(c.Name),
			ThrottlingRateLimit:  jsii.Number(c.ThrottleRate),
			ThrottlingBurstLimit: jsii.Number(c.ThrottleBurst),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat)),
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(c.Tracing),
			// Execution logs at ERROR only, and never request data: bodies hold temporary passwords.
			LoggingLevel:     awsapigateway.MethodLoggingLevel_ERROR,
			DataTraceEnabled: jsii.Bool(false),
		},
	})
	// The stack publishes ApiUrl itself; drop the construct's own unnamed output.
	restAPI.Node().TryRemoveChild(jsii.String("Endpoint"))

	// API Gateway writes the stage's execution logs to this group, and
	// would create it itself, outside the stack, kept forever. The stage
	// waits for it, so API Gateway never makes one first.
	execLogs := awslogs.NewLogGroup(scope, jsii.String(id+"ExecutionLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(fmt.Sprintf("API-Gateway-Execution-Logs_%s/%s", *restAPI.RestApiId(), c.Name)),
		Retention:     c.logRetention(),
		RemovalPolicy: removalPolicy(c),
	})
	restAPI.DeploymentStage().Node().AddDependency(execLogs)

	authorizer := awsapigateway.NewCognitoUserPoolsAuthorizer(scope, jsii.String(id+"Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: &[]awscognito.IUserPool{props.Pool},
		AuthorizerName:   jsii.String("cognito-id-token"),
		IdentitySource:   jsii.String("method.request.header.Authorization"),
		// No result cache: API Gateway would admit a cached token (for 300 s
		// by default) after it expired. Every request has its token checked.
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
	})
	validator := restAPI.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		RequestValidatorName:      jsii.String("body-and-parameters"),
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	models := map[string]awsapigateway.Model{}
	integration := awsapigateway.NewLambdaIntegration(props.Handler, &awsapigateway.LambdaIntegrationOptions{
		Proxy: jsii.Bool(true),
		// One invoke permission per method, not two: the console's test-invoke is not used.
		AllowTestInvoke: jsii.Bool(false),
	})
	for _, r := range props.Spec.Routes {
		params := map[string]*bool{}
		for _, p := range r.PathParams {
			params["method.request.path."+p] = jsii.Bool(true)
		}
		opts := &awsapigateway.MethodOptions{
			OperationName:     jsii.String(r.OperationID),
			AuthorizationType: awsapigateway.AuthorizationType_COGNITO,
			Authorizer:        authorizer,
			RequestValidator:  validator,
			RequestParameters: &params,
		}
		if r.BodyModel != "" {
			m, ok := models[r.BodyModel]
			if !ok {
				m = restAPI.AddModel(jsii.String(r.BodyModel), &awsapigateway.ModelOptions{
					ModelName:   jsii.String(r.BodyModel),
					ContentType: jsii.String("application/json"),
					Schema:      jsonSchema(props.Spec.Models[r.BodyModel]),
				})
				models[r.BodyModel] = m
			}
			opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": m}
		}
		restAPI.Root().ResourceForPath(jsii.String(r.Path)).AddMethod(jsii.String(r.Method), integration, opts)
	}
	addGatewayResponses(restAPI, props.CORSOrigins)
	return restAPI
}

// accessLogFormat is one JSON object per request. It names the caller by
// sub and never includes headers, tokens or bodies.
var accessLogFormat = mustJSON(map[string]string{
	"requestId":          "$context.requestId",
	"requestTime":        "$context.requestTime",
	"ip":                 "$context.identity.sourceIp",
	"userAgent":          "$context.identity.userAgent",
	"httpMethod":         "$context.httpMethod",
	"resourcePath":       "$context.resourcePath",
	"status":             "$context.status",
	"protocol":           "$context.protocol",
	"responseLength":     "$context.responseLength",
	"responseLatency":    "$context.responseLatency",
	"integrationLatency": "$context.integrationLatency",
	"caller":             "$context.authorizer.claims.sub",
	"error":              "$context.error.message",
	"errorType":          "$context.error.responseType",
})

// errorTemplate renders a gateway error in the API's one error shape.
// message is inserted as is: a JSON string literal. Validation details are
// not passed on: API Gateway's validationErrorString quotes the offending
// value (a temporary password, say) and is not JSON-escaped.
func errorTemplate(code, message string) *map[string]*string {
	return &map[string]*string{"application/json": jsii.String(fmt.Sprintf(
		`{"error":{"code":%q,"message":%s},"requestId":"$context.requestId"}`, code, message))}
}

// addGatewayResponses makes API Gateway's own errors (validation, throttling,
// unknown routes, its 5xx) use the API's error shape and carry CORS headers.
// A refused token keeps API Gateway's own {"message":"Unauthorized"}.
func addGatewayResponses(restAPI awsapigateway.RestApi, origins []string) {
	headers := func(extra map[string]string) *map[string]*string {
		h := map[string]*string{}
		if len(origins) > 0 {
			// A gateway response has one static header value: answer the first origin (browsers need an exact match).
			h["Access-Control-Allow-Origin"] = jsii.String("'" + origins[0] + "'")
		}
		for k, v := range extra {
			h[k] = jsii.String("'" + v + "'")
		}
		if len(h) == 0 {
			return nil
		}
		return &h
	}
	// $context.error.messageString is API Gateway's message already as a quoted JSON string.
	const gatewayMessage = "$context.error.messageString"
	for _, r := range []struct {
		id, status, code, message string
		typ                       awsapigateway.ResponseType
		extra                     map[string]string
	}{
		{"BadRequestBody", "400", "InvalidRequest", `"The request body does not match the operation's schema in api/openapi.yaml: check the field names, their types and that the required ones are present."`, awsapigateway.ResponseType_BAD_REQUEST_BODY(), nil},
		{"BadRequestParameters", "400", "InvalidRequest", `"A required path parameter is missing."`, awsapigateway.ResponseType_BAD_REQUEST_PARAMETERS(), nil},
		{"Throttled", "429", "TooManyRequests", `"Too many requests: slow down and retry."`, awsapigateway.ResponseType_THROTTLED(), map[string]string{"Retry-After": "1"}},
		// API Gateway answers an unknown route with 403 Missing Authentication Token; say what it is.
		{"UnknownRoute", "404", "NotFound", `"No such route."`, awsapigateway.ResponseType_MISSING_AUTHENTICATION_TOKEN(), nil},
		{"Default4xx", "", "BadRequest", gatewayMessage, awsapigateway.ResponseType_DEFAULT_4XX(), nil},
		{"Default5xx", "", "GatewayError", gatewayMessage, awsapigateway.ResponseType_DEFAULT_5XX(), nil},
	} {
		opts := &awsapigateway.GatewayResponseOptions{Type: r.typ, Templates: errorTemplate(r.code, r.message), ResponseHeaders: headers(r.extra)}
		if r.status != "" {
			opts.StatusCode = jsii.String(r.status)
		}
		restAPI.AddGatewayResponse(jsii.String(r.id), opts)
	}
	restAPI.AddGatewayResponse(jsii.String("Unauthorized"), &awsapigateway.GatewayResponseOptions{
		Type:            awsapigateway.ResponseType_UNAUTHORIZED(),
		StatusCode:      jsii.String("401"),
		Templates:       &map[string]*string{"application/json": jsii.String(`{"message":"Unauthorized"}`)},
		ResponseHeaders: headers(nil),
	})
}

// jsonSchema turns a schema from the OpenAPI document into CDK's JsonSchema,
// as draft 4 (what API Gateway models use). The struct's fields are named as
// JSON Schema's keywords, so decoding fills them; jsii then wants the typed
// enum for "type" and a *JsonSchema for "items", which fix completes.
func jsonSchema(schema map[string]any) *awsapigateway.JsonSchema {
	s := decodeSchema(schema)
	s.Schema = awsapigateway.JsonSchemaVersion_DRAFT4
	return s
}

func decodeSchema(v any) *awsapigateway.JsonSchema {
	var s awsapigateway.JsonSchema
	if err := json.Unmarshal([]byte(mustJSON(v)), &s); err != nil {
		panic(fmt.Sprintf("request model: %v", err))
	}
	if t, ok := s.Type.(string); ok {
		s.Type = awsapigateway.JsonSchemaType(strings.ToUpper(t))
	}
	if s.Items != nil {
		s.Items = decodeSchema(s.Items)
	}
	// A schema here, not a bool: jsii needs the typed struct for it too.
	if m, ok := s.AdditionalProperties.(map[string]any); ok {
		s.AdditionalProperties = decodeSchema(m)
	}
	if s.Properties != nil {
		for name, p := range *s.Properties {
			(*s.Properties)[name] = decodeSchema(p)
		}
	}
	return &s
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}
