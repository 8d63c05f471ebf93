package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Request is one SCIM request, with Path relative to the endpoint's base
// ("/Users/abc"), still percent-encoded.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	// ContentType is the request's Content-Type header, if any.
	ContentType string
}

// Response is the answer: Body is JSON, or empty for 204.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// Server serves the endpoint over ops. BaseURL is the endpoint's absolute
// URL (".../scim/v2", no trailing slash), for meta.location.
type Server struct {
	Ops     Operations
	BaseURL string
}

// MaxBody is the largest request body accepted (a Group PUT of a few
// thousand members fits); ServiceProviderConfig advertises it.
const MaxBody = 1 << 20

// MaxCount caps a page: each answer stays small however many users match.
const MaxCount = 100

// Serve answers one request. Every failure is a SCIM error response.
func (s *Server) Serve(ctx context.Context, r Request) Response {
	resp, err := s.route(ctx, r)
	if err != nil {
		return errorResponse(asError(err))
	}
	return resp
}

func (s *Server) route(ctx context.Context, r Request) (Response, error) {
	segs, err := segments(r.Path)
	if err != nil {
		return Response{}, err
	}
	if len(r.Body) > MaxBody {
		return Response{}, errorf(http.StatusRequestEntityTooLarge, "", "the body is larger than %d bytes", MaxBody)
	}
	if len(r.Body) > 0 && !jsonMedia(r.ContentType) {
		return Response{}, errorf(http.StatusUnsupportedMediaType, "", "the body must be %s or application/json", ContentType)
	}
	if len(segs) == 0 {
		return Response{}, NotFound("resource")
	}
	switch resource, id := segs[0], strings.Join(segs[1:], "/"); {
	case resource == "Bulk" || (len(segs) == 2 && segs[1] == ".search") || resource == ".search":
		return Response{}, errorf(http.StatusNotImplemented, "", "%s is not supported: see ServiceProviderConfig", strings.Join(segs, "/"))
	case resource == "ServiceProviderConfig" && len(segs) == 1:
		return only(r, http.MethodGet, func() (Response, error) { return s.spConfig(), nil })
	case resource == "Schemas" && len(segs) <= 2:
		return only(r, http.MethodGet, func() (Response, error) { return s.schemas(r, id) })
	case resource == "ResourceTypes" && len(segs) <= 2:
		return only(r, http.MethodGet, func() (Response, error) { return s.resourceTypes(r, id) })
	case resource == "Users" && len(segs) == 1:
		switch r.Method {
		case http.MethodGet:
			return s.listUsers(ctx, r)
		case http.MethodPost:
			return s.createUser(ctx, r)
		}
		return Response{}, notAllowed(r.Method, "GET, POST")
	case resource == "Users" && len(segs) == 2:
		switch r.Method {
		case http.MethodGet:
			return s.getUser(ctx, id)
		case http.MethodPut:
			return s.replaceUser(ctx, id, r)
		case http.MethodPatch:
			return s.patchUser(ctx, id, r)
		case http.MethodDelete:
			if err := s.Ops.DeleteUser(ctx, id); err != nil {
				return Response{}, err
			}
			return Response{Status: http.StatusNoContent, Headers: headers()}, nil
		}
		return Response{}, notAllowed(r.Method, "DELETE, GET, PATCH, PUT")
	case resource == "Groups" && len(segs) == 1:
		switch r.Method {
		case http.MethodGet:
			return s.listGroups(ctx, r)
		case http.MethodPost:
			return s.createGroup(ctx, r)
		}
		return Response{}, notAllowed(r.Method, "GET, POST")
	case resource == "Groups" && len(segs) == 2:
		switch r.Method {
		case http.MethodGet:
			return s.getGroup(ctx, id, r)
		case http.MethodPut:
			return s.replaceGroup(ctx, id, r)
		case http.MethodPatch:
			return s.patchGroup(ctx, id, r)
		case http.MethodDelete:
			return Response{}, errorf(http.StatusForbidden, "",
				"the pool's groups are the deployment's (its managed groups): they cannot be deleted over SCIM; unlink the group in the identity provider instead")
		}
		return Response{}, notAllowed(r.Method, "DELETE, GET, PATCH, PUT")
	case resource == "Me":
		return Response{}, errorf(http.StatusNotImplemented, "", "/Me is not supported: the identity provider is not a user")
	}
	return Response{}, NotFound("resource")
}

// segments splits the path, decoding each segment once; an empty, "." or
// ".." segment is refused as the API refuses them.
func segments(path string) ([]string, error) {
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return nil, nil
	}
	var out []string
	for _, raw := range strings.Split(path, "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil || seg == "" || seg == "." || seg == ".." {
			return nil, NotFound("resource")
		}
		out = append(out, seg)
	}
	return out, nil
}

func only(r Request, method string, serve func() (Response, error)) (Response, error) {
	if r.Method != method {
		return Response{}, notAllowed(r.Method, method)
	}
	return serve()
}

func notAllowed(method, allow string) *Error {
	return errorf(http.StatusMethodNotAllowed, "", "%s is not allowed here (allowed: %s)", method, allow)
}

func jsonMedia(ct string) bool {
	media, _, _ := strings.Cut(ct, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	return media == "" || media == ContentType || media == "application/json"
}

func headers() map[string]string {
	// no-store: the bodies describe accounts and must not sit in shared caches.
	return map[string]string{"Content-Type": ContentType, "Cache-Control": "no-store"}
}

func jsonResponse(status int, v any) Response {
	b, _ := json.Marshal(v) // this package's maps and structs of strings, bools, numbers and times: cannot fail
	return Response{Status: status, Headers: headers(), Body: b}
}

// errorBody is RFC 7644 §3.12's error: status is a string there.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

// ErrorResponse is e as SCIM answers it, for refusals made before a
// request reaches a Server (its principal, its body's size).
func ErrorResponse(e *Error) Response { return errorResponse(e) }

func errorResponse(e *Error) Response {
	resp := jsonResponse(e.Status, errorBody{Schemas: []string{SchemaError}, Status: strconv.Itoa(e.Status), ScimType: e.ScimType, Detail: e.Detail})
	if e.RetryAfter > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(e.RetryAfter)
	}
	return resp
}

// listResponse is RFC 7644 §3.4.2's ListResponse.
type listResponse struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []any    `json:"Resources"`
}

// paging reads startIndex and count (RFC 7644 §3.4.2.4): startIndex below
// 1 is 1, count below 0 is 0, count above MaxCount is MaxCount; anything
// not a whole number is refused.
type paging struct{ start, count int }

func readPaging(q url.Values) (paging, error) {
	p := paging{start: 1, count: MaxCount}
	for key, dst := range map[string]*int{"startIndex": &p.start, "count": &p.count} {
		vals := queryValues(q, key)
		if len(vals) == 0 {
			continue
		}
		if len(vals) > 1 {
			return p, badRequest(TypeInvalidValue, "%s is repeated", key)
		}
		n, err := strconv.Atoi(strings.TrimSpace(vals[0]))
		if err != nil {
			return p, badRequest(TypeInvalidValue, "%s must be a whole number", key)
		}
		*dst = n
	}
	p.start = max(p.start, 1)
	p.count = min(max(p.count, 0), MaxCount)
	return p, nil
}

// page answers the window of all the paging asks for; all is already in its stable order.
func page[T any](all []T, p paging, render func(T) any) listResponse {
	out := listResponse{Schemas: []string{SchemaListResponse}, TotalResults: len(all), StartIndex: p.start, Resources: []any{}}
	if from := p.start - 1; from < len(all) {
		for _, v := range all[from:min(len(all), from+p.count)] {
			out.Resources = append(out.Resources, render(v))
		}
	}
	out.ItemsPerPage = len(out.Resources)
	return out
}

// queryValues finds a query parameter whatever its case: SCIM's parameter names are case-insensitive.
func queryValues(q url.Values, key string) []string {
	var out []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		if strings.EqualFold(k, key) {
			out = append(out, q[k]...)
		}
	}
	return out
}

func queryValue(q url.Values, key string) (string, error) {
	vals := queryValues(q, key)
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
		return vals[0], nil
	}
	return "", badRequest(TypeInvalidValue, "%s is repeated", key)
}

// decodeObject reads the body as one JSON object, keys kept as sent.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(body) == 0 {
		return nil, badRequest(TypeInvalidSyntax, "the body must be a JSON object")
	}
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, badRequest(TypeInvalidSyntax, "the body must be a JSON object")
	}
	return m, nil
}

// field finds a key case-insensitively (RFC 7643 §2.1: attribute names are case-insensitive).
func field(m map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}
