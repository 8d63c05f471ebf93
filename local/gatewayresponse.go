package local

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// gatewayError is an error API Gateway answers itself, before the Lambda.
type gatewayError struct {
	typ        string // API Gateway's response type, e.g. BAD_REQUEST_BODY
	message    string // $context.error.message
	validation string // $context.error.validationErrorString
}

// defaults are API Gateway's own status and message for each response type used here.
var defaults = map[string]struct {
	status  int
	message string
}{
	"UNAUTHORIZED":                 {401, "Unauthorized"},
	"MISSING_AUTHENTICATION_TOKEN": {403, "Missing Authentication Token"},
	"BAD_REQUEST_BODY":             {400, "Invalid request body"},
	"BAD_REQUEST_PARAMETERS":       {400, "Missing required request parameters"},
	"REQUEST_TOO_LARGE":            {413, "Request Too Long"},
	"INTEGRATION_FAILURE":          {502, "Internal server error"},
	"THROTTLED":                    {429, "Too Many Requests"},
	"ACCESS_DENIED":                {403, "User is not authorized to access this resource"},
	"AUTHORIZER_FAILURE":           {500, "Internal server error"},
}

type gatewayResponse struct {
	status   int
	template string
	headers  map[string]string
}

// gatewayResponses reads the template's AWS::ApiGateway::GatewayResponse resources by type.
func gatewayResponses(t *Template) map[string]gatewayResponse {
	out := map[string]gatewayResponse{}
	for _, id := range t.OfType("AWS::ApiGateway::GatewayResponse") {
		p := t.Resources[id].Properties
		r := gatewayResponse{headers: map[string]string{}}
		if s, ok := p["StatusCode"].(string); ok {
			r.status, _ = strconv.Atoi(s)
		}
		if tpl, ok := p["ResponseTemplates"].(map[string]any); ok {
			r.template, _ = tpl["application/json"].(string)
		}
		if params, ok := p["ResponseParameters"].(map[string]any); ok {
			for k, v := range params {
				if name, ok := strings.CutPrefix(k, "gatewayresponse.header."); ok {
					r.headers[name] = strings.Trim(v.(string), "'")
				}
			}
		}
		out[p["ResponseType"].(string)] = r
	}
	return out
}

// write renders e as API Gateway would: the template's response for its
// type, else the DEFAULT_4XX/5XX one, else API Gateway's built-in answer.
func (g *Gateway) writeGatewayError(w http.ResponseWriter, requestID string, e gatewayError) int {
	def := defaults[e.typ]
	if e.message == "" {
		e.message = def.message
	}
	r, ok := g.responses[e.typ]
	if !ok {
		r = g.responses[map[bool]string{true: "DEFAULT_4XX", false: "DEFAULT_5XX"}[def.status < 500]]
	}
	status := def.status
	if r.status != 0 {
		status = r.status
	}
	body := r.template
	if body == "" {
		body = `{"message":$context.error.messageString}`
	}
	quoted, _ := json.Marshal(e.message)
	body = strings.NewReplacer(
		"$util.escapeJavaScript($context.error.validationErrorString)", escapeJS(e.validation),
		"$util.escapeJavaScript($context.error.messageString)", escapeJS(e.message),
		"$util.escapeJavaScript($context.error.message)", escapeJS(e.message),
		"$context.error.messageString", string(quoted),
		"$context.error.validationErrorString", e.validation,
		"$context.error.message", e.message,
		"$context.error.responseType", e.typ,
		"$context.requestId", requestID,
	).Replace(body)
	for k, v := range r.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.typ)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return status
}

// escapeJS is $util.escapeJavaScript for what lands in a JSON string.
func escapeJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
