package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Invoke is the Lambda handler's signature.
type Invoke func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Gateway serves the template's REST API over HTTP: its routes, its
// authorizer, its request validation and its gateway responses, then hands
// the same proxy event as API Gateway to the handler.
type Gateway struct {
	routes    []route
	responses map[string]gatewayResponse
	auth      *Authorizer
	invoke    Invoke
	log       *slog.Logger
	// throttle is the stage's default method throttling, nil for none.
	throttle *Throttle
	// now is the throttling clock; tests replace it.
	now func() time.Time
	// timeout is the function's own (its Timeout in the template): an
	// invocation runs to it, whatever becomes of the client's connection.
	timeout time.Duration
	// custom runs the methods' Lambda TOKEN authorizer (SCIM's); nil: such methods refuse every call.
	custom CustomAuthorizer
	// accessTokens verifies the access tokens of methods with AuthorizationScopes; nil: refused.
	accessTokens AccessTokenVerifier
	// tokenEndpoint, when set, serves POST /oauth2/token (local mode's stand-in for the Cognito domain's).
	tokenEndpoint http.Handler
}

// CustomAuthorizer is a Lambda TOKEN authorizer's handler.
type CustomAuthorizer func(context.Context, events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// AccessTokenVerifier checks an access token for a method with
// AuthorizationScopes (it must hold one of scopes) and returns its claims.
type AccessTokenVerifier func(token string, scopes []string) (map[string]any, error)

// SetSCIMAuth sets the authorizers of the SCIM routes and the token
// endpoint standing in for Cognito's, before the gateway serves.
func (g *Gateway) SetSCIMAuth(custom CustomAuthorizer, accessTokens AccessTokenVerifier, tokenEndpoint http.Handler) {
	g.custom, g.accessTokens, g.tokenEndpoint = custom, accessTokens, tokenEndpoint
}

// lambdaDefaultTimeout is Lambda's timeout for a function that sets none.
const lambdaDefaultTimeout = 3 * time.Second

type route struct {
	method      string
	path        string   // the resource path, e.g. /users/{email}
	segments    []string // path split on '/', without the leading empty one
	authorized  bool     // COGNITO_USER_POOLS
	scopes      []string // its AuthorizationScopes: access tokens, not ID tokens
	custom      bool     // CUSTOM: the Lambda TOKEN authorizer
	greedy      bool     // the last segment is {name+}
	mock        *mockIntegration
	models      map[string]*jsonschema.Schema // by content type
	validate    bool
	params      map[string]bool // method.request.* → required
	validateReq bool
	bucket      *bucket // the method's throttling; nil when the stage sets none
}

// mockIntegration is a MOCK integration's first response: CORS preflight.
type mockIntegration struct {
	status  int
	headers map[string]string
	// origins are those its response template answers with themselves
	// instead of the Access-Control-Allow-Origin in headers (the CDK's
	// preflight for more than one origin).
	origins []string
}

// maxBody is API Gateway's payload limit.
const maxBody = 10 << 20

// NewGateway reads the API from t. auth verifies tokens; invoke is the handler.
func NewGateway(t *Template, auth *Authorizer, invoke Invoke, log *slog.Logger) (*Gateway, error) {
	g := &Gateway{responses: gatewayResponses(t), auth: auth, invoke: invoke, log: log, now: time.Now, timeout: functionTimeout(t)}
	def, perMethod, err := stageThrottles(t)
	if err != nil {
		return nil, err
	}
	g.throttle = def
	paths := map[string]string{}
	var pathOf func(id string) (string, error)
	pathOf = func(id string) (string, error) {
		if p, ok := paths[id]; ok {
			return p, nil
		}
		r, ok := t.Resources[id]
		if !ok || r.Type != "AWS::ApiGateway::Resource" {
			return "", fmt.Errorf("template: %s is not an API resource", id)
		}
		parent, err := resourceID(r.Properties["ParentId"], pathOf)
		if err != nil {
			return "", err
		}
		paths[id] = strings.TrimSuffix(parent, "/") + "/" + r.Properties["PathPart"].(string)
		return paths[id], nil
	}
	validators := map[string]map[string]any{}
	for _, id := range t.OfType("AWS::ApiGateway::RequestValidator") {
		validators[id] = t.Resources[id].Properties
	}
	models := map[string]*jsonschema.Schema{}
	for _, id := range t.OfType("AWS::ApiGateway::Model") {
		s, err := compileModel(id, t.Resources[id].Properties["Schema"])
		if err != nil {
			return nil, err
		}
		models[id] = s
	}
	for _, id := range t.OfType("AWS::ApiGateway::Method") {
		p := t.Resources[id].Properties
		path, err := resourceID(p["ResourceId"], pathOf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		r := route{method: p["HttpMethod"].(string), path: path, segments: split(path), params: map[string]bool{}, models: map[string]*jsonschema.Schema{}}
		r.authorized = p["AuthorizationType"] == "COGNITO_USER_POOLS"
		r.custom = p["AuthorizationType"] == "CUSTOM"
		r.scopes = toStringList(p["AuthorizationScopes"])
		r.greedy = strings.HasSuffix(path, "+}")
		if integ, ok := p["Integration"].(map[string]any); ok && integ["Type"] == "MOCK" {
			r.mock = mock(integ)
		}
		if v, ok := p["RequestValidatorId"].(map[string]any); ok {
			vp := validators[fmt.Sprint(v["Ref"])]
			r.validate = vp["ValidateRequestBody"] == true
			r.validateReq = vp["ValidateRequestParameters"] == true
		}
		if rm, ok := p["RequestModels"].(map[string]any); ok {
			for ct, ref := range rm {
				m := models[fmt.Sprint(ref.(map[string]any)["Ref"])]
				if m == nil {
					return nil, fmt.Errorf("%s: request model %v is not in the template", id, ref)
				}
				r.models[ct] = m
			}
		}
		if rp, ok := p["RequestParameters"].(map[string]any); ok {
			for k, v := range rp {
				r.params[k] = v == true
			}
		}
		if th, ok := perMethod[r.method+" "+r.path]; ok {
			r.bucket = newBucket(th)
		} else if def != nil {
			r.bucket = newBucket(*def)
		}
		g.routes = append(g.routes, r)
	}
	if len(g.routes) == 0 {
		return nil, fmt.Errorf("template: no API methods")
	}
	// Literal segments win over parameters, as in API Gateway: try the
	// routes with fewer parameters first, a greedy {proxy+} last, and a
	// method's own route before ANY on the same path.
	sort.SliceStable(g.routes, func(i, j int) bool {
		a, b := g.routes[i], g.routes[j]
		if a.greedy != b.greedy {
			return b.greedy
		}
		if n, m := strings.Count(a.path, "{"), strings.Count(b.path, "{"); n != m {
			return n < m
		}
		return a.method != "ANY" && b.method == "ANY"
	})
	return g, nil
}

// Throttle is the stage's throttling of each method, nil when it sets none.
func (g *Gateway) Throttle() *Throttle { return g.throttle }

// SetClock replaces the throttling clock, the time the buckets refill by,
// before the gateway serves: a test then decides when tokens come back
// instead of depending on how fast the machine sends.
func (g *Gateway) SetClock(now func() time.Time) { g.now = now }

// Routes lists the served routes as "METHOD /path", sorted, CORS preflight excluded.
func (g *Gateway) Routes() []string {
	var out []string
	for _, r := range g.routes {
		if r.mock == nil {
			out = append(out, r.method+" "+r.path)
		}
	}
	sort.Strings(out)
	return out
}

func resourceID(v any, pathOf func(string) (string, error)) (string, error) {
	if m, ok := v.(map[string]any); ok {
		if ref, ok := m["Ref"].(string); ok {
			return pathOf(ref)
		}
		if _, ok := m["Fn::GetAtt"]; ok {
			return "/", nil // the RestApi's RootResourceId
		}
	}
	return "", fmt.Errorf("template: unexpected resource reference %v", v)
}

func mock(integ map[string]any) *mockIntegration {
	m := &mockIntegration{status: http.StatusNoContent, headers: map[string]string{}}
	resps, _ := integ["IntegrationResponses"].([]any)
	if len(resps) == 0 {
		return m
	}
	first := resps[0].(map[string]any)
	fmt.Sscan(fmt.Sprint(first["StatusCode"]), &m.status)
	if tpl, ok := first["ResponseTemplates"].(map[string]any); ok {
		body, _ := tpl["application/json"].(string)
		m.origins = overrideOrigins(body)
	}
	if params, ok := first["ResponseParameters"].(map[string]any); ok {
		for k, v := range params {
			if name, ok := strings.CutPrefix(k, "method.response.header."); ok {
				m.headers[name] = strings.Trim(fmt.Sprint(v), "'")
			}
		}
	}
	return m
}

func compileModel(id string, schema any) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	// Round-trip through the library's decoder so numbers are what it expects.
	b, _ := json.Marshal(schema)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return nil, err
	}
	if err := c.AddResource(id+".json", doc); err != nil {
		return nil, fmt.Errorf("model %s: %w", id, err)
	}
	s, err := c.Compile(id + ".json")
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", id, err)
	}
	return s, nil
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// segmentsOnly reports whether a request path is "/" or segments each
// non-empty and none "." or "..". Anything else maps onto no route: split
// would otherwise drop a trailing or doubled slash, and "DELETE
// /users/x/groups/.." resolved by a client, "DELETE /users/x/", would
// delete the user x. The deployed function refuses such paths too
// (lambda/handler's cleanPath), whatever API Gateway does with them.
func segmentsOnly(escapedPath string) bool {
	if escapedPath == "/" {
		return true
	}
	rest, ok := strings.CutPrefix(escapedPath, "/")
	if !ok {
		return false
	}
	for _, s := range strings.Split(rest, "/") {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

// match finds the route for method and the request's escaped path. Literal
// segments compare decoded; path parameters are handed over still
// percent-encoded, as a REST API passes them to a Lambda proxy (an HTTP API
// would decode them). API Gateway answers a known path with another method
// like an unknown path, so there is no 405 here either.
func (g *Gateway) match(method, escapedPath string) (*route, map[string]string, bool) {
	if !segmentsOnly(escapedPath) {
		return nil, nil, false
	}
	raw := split(escapedPath)
	decoded := make([]string, len(raw))
	for i, s := range raw {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, false
		}
		decoded[i] = d
	}
	for i := range g.routes {
		cand := &g.routes[i]
		if cand.method != method && cand.method != "ANY" {
			continue
		}
		if len(cand.segments) != len(raw) && (!cand.greedy || len(raw) < len(cand.segments)) {
			continue
		}
		ps := map[string]string{}
		ok := true
		for j, s := range cand.segments {
			if cand.greedy && j == len(cand.segments)-1 {
				// {proxy+}: the rest of the path, one segment or more.
				ps[strings.TrimSuffix(strings.Trim(s, "{}"), "+")] = strings.Join(raw[j:], "/")
				break
			}
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				if raw[j] == "" {
					ok = false
					break
				}
				ps[strings.Trim(s, "{}")] = raw[j]
			} else if s != decoded[j] {
				ok = false
				break
			}
		}
		if ok {
			return cand, ps, true
		}
	}
	return nil, nil, false
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	requestID := newRequestID()
	// API Gateway names the request in every answer, success or not; useradmin's --debug and import report read it.
	w.Header().Set("x-amzn-RequestId", requestID)
	status := g.serve(w, req, requestID)
	g.log.LogAttrs(req.Context(), slog.LevelInfo, "request",
		slog.String("requestId", requestID),
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("status", status),
		slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
	)
}

func (g *Gateway) serve(w http.ResponseWriter, req *http.Request, requestID string) int {
	if g.tokenEndpoint != nil && req.URL.Path == TokenPath {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		g.tokenEndpoint.ServeHTTP(rec, req)
		return rec.status
	}
	r, params, ok := g.match(req.Method, req.URL.EscapedPath())
	if !ok {
		return g.writeGatewayError(w, requestID, gatewayError{typ: "MISSING_AUTHENTICATION_TOKEN"})
	}
	// Throttling comes before the authorizer, as in API Gateway: a throttled request costs nothing.
	if !r.bucket.allow(g.now()) {
		return g.writeGatewayError(w, requestID, gatewayError{typ: "THROTTLED"})
	}
	if r.mock != nil {
		for k, v := range r.mock.headers {
			w.Header().Set(k, v)
		}
		if o := req.Header.Get("Origin"); o != "" && slices.Contains(r.mock.origins, o) {
			w.Header().Set(allowOriginHeader, o)
		}
		w.WriteHeader(r.mock.status)
		return r.mock.status
	}
	var claims, authorizerContext map[string]any
	switch {
	case r.authorized && len(r.scopes) > 0:
		c, err := g.verifyAccessToken(req.Header.Get("Authorization"), r.scopes)
		if err != nil {
			return g.writeGatewayError(w, requestID, gatewayError{typ: "UNAUTHORIZED"})
		}
		claims = c
	case r.authorized:
		c, err := g.auth.Verify(req.Header.Get("Authorization"))
		if err != nil {
			return g.writeGatewayError(w, requestID, gatewayError{typ: "UNAUTHORIZED"})
		}
		claims = apiGatewayClaims(c)
	case r.custom:
		c, gerr := g.runCustomAuthorizer(req, requestID)
		if gerr != nil {
			return g.writeGatewayError(w, requestID, *gerr)
		}
		authorizerContext = c
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil {
		return g.writeGatewayError(w, requestID, gatewayError{typ: "BAD_REQUEST_BODY", validation: err.Error()})
	}
	if len(body) > maxBody {
		return g.writeGatewayError(w, requestID, gatewayError{typ: "REQUEST_TOO_LARGE"})
	}
	if r.validateReq {
		if missing := r.missingParams(req, params); len(missing) > 0 {
			return g.writeGatewayError(w, requestID, gatewayError{typ: "BAD_REQUEST_PARAMETERS",
				validation: fmt.Sprintf("Missing required request parameters: [%s]", strings.Join(missing, ", "))})
		}
	}
	if r.validate {
		if msg := r.validateBody(req.Header.Get("Content-Type"), body); msg != "" {
			return g.writeGatewayError(w, requestID, gatewayError{typ: "BAD_REQUEST_BODY", validation: msg})
		}
	}
	event := proxyEvent(req, r, params, claims, body, requestID)
	if authorizerContext != nil {
		event.RequestContext.Authorizer = authorizerContext
	}
	// API Gateway invokes the function and lets it finish when the client
	// goes away: a create in flight when an import is killed still happens
	// and is audited. So the invocation has the function's deadline, not the
	// connection's cancellation.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), g.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID})
	resp, err := g.invoke(ctx, event)
	if err != nil {
		g.log.Error("handler returned an error", "requestId", requestID, "error", err)
		return g.writeGatewayError(w, requestID, gatewayError{typ: "INTEGRATION_FAILURE"})
	}
	return writeProxyResponse(w, resp)
}

func (r *route) missingParams(req *http.Request, path map[string]string) []string {
	var missing []string
	for k, required := range r.params {
		if !required {
			continue
		}
		var present bool
		switch {
		case strings.HasPrefix(k, "method.request.path."):
			present = path[strings.TrimPrefix(k, "method.request.path.")] != ""
		case strings.HasPrefix(k, "method.request.querystring."):
			present = req.URL.Query().Has(strings.TrimPrefix(k, "method.request.querystring."))
		case strings.HasPrefix(k, "method.request.header."):
			present = req.Header.Get(strings.TrimPrefix(k, "method.request.header.")) != ""
		}
		if !present {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	return missing
}

// validateBody checks body against the model for its content type; like API
// Gateway, a request without a Content-Type is taken as JSON. It returns the
// validation error, or "" when the body passes or no model applies.
func (r *route) validateBody(contentType string, body []byte) string {
	mt := "application/json"
	if contentType != "" {
		if m, _, err := mime.ParseMediaType(contentType); err == nil {
			mt = m
		}
	}
	model, ok := r.models[mt]
	if !ok {
		return ""
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(body)))
	if err != nil {
		return "Invalid request body: the body is not JSON"
	}
	if err := model.Validate(doc); err != nil {
		// The first line names the schema's URL; the rest say what is wrong, one per line.
		lines := strings.Split(err.Error(), "\n")
		var out []string
		for _, l := range lines[1:] {
			out = append(out, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- ")))
		}
		if len(out) == 0 {
			return "Invalid request body"
		}
		return strings.Join(out, "; ")
	}
	return ""
}

// proxyEvent builds the event API Gateway's Lambda proxy integration sends.
func proxyEvent(req *http.Request, r *route, params map[string]string, claims map[string]any, body []byte, requestID string) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{
		Resource:                        r.path,
		Path:                            req.URL.EscapedPath(),
		HTTPMethod:                      req.Method,
		Headers:                         map[string]string{},
		MultiValueHeaders:               map[string][]string{},
		QueryStringParameters:           map[string]string{},
		MultiValueQueryStringParameters: map[string][]string{},
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:    requestID,
			ResourcePath: r.path,
			HTTPMethod:   req.Method,
			Path:         req.URL.EscapedPath(),
			Stage:        "local",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: hostOnly(req.RemoteAddr), UserAgent: req.UserAgent()},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	for k, vs := range req.Header {
		ev.Headers[k] = vs[len(vs)-1]
		ev.MultiValueHeaders[k] = vs
	}
	// API Gateway always sends these (Go keeps Host out of req.Header); the
	// handler builds absolute URLs (SCIM's meta.location) from them.
	ev.RequestContext.DomainName = req.Host
	for k, v := range map[string]string{"Host": req.Host, "X-Forwarded-Proto": "http", "X-Forwarded-For": hostOnly(req.RemoteAddr)} {
		ev.Headers[k] = v
		ev.MultiValueHeaders[k] = []string{v}
	}
	for k, vs := range req.URL.Query() {
		ev.QueryStringParameters[k] = vs[len(vs)-1]
		ev.MultiValueQueryStringParameters[k] = vs
	}
	if len(params) == 0 {
		ev.PathParameters = nil
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

func writeProxyResponse(w http.ResponseWriter, resp events.APIGatewayProxyResponse) int {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

func hostOnly(addr string) string {
	if i := strings.LastIndex(addr, ":"); i > 0 {
		return strings.Trim(addr[:i], "[]")
	}
	return addr
}

// newRequestID returns a random UUID (version 4), as API Gateway's request ids are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// functionTimeout is the API function's timeout, or Lambda's default
// when the template has no single API function or it sets none.
func functionTimeout(t *Template) time.Duration {
	_, fn, err := t.APIFunction()
	if err != nil {
		return lambdaDefaultTimeout
	}
	if secs, ok := fn.Properties["Timeout"].(float64); ok && secs > 0 {
		return time.Duration(secs * float64(time.Second))
	}
	return lambdaDefaultTimeout
}
