package handler

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/text/unicode/norm"
)

// Request limits. Groups mirror the OpenAPI model, which API Gateway enforces
// for JSON only: form bodies reach the Lambda unchecked.
const (
	maxBody      = 16 << 10
	maxGroups    = 25
	maxGroupName = 128
)

// createRequest is a decoded, syntactically valid create body. Rules that
// depend on the deployment (password policy, managed groups) are checked later.
type createRequest struct {
	email             string
	temporaryPassword *string
	sendInvitation    bool
	groups            []string // sorted, without duplicates
}

// createFields are the body's fields as sent, before validation; nil means absent.
type createFields struct {
	email, temporaryPassword *string
	sendInvitation           *bool
	groups                   []string
}

func decodeCreate(req events.APIGatewayProxyRequest) (createRequest, error) {
	ct := header(req, "Content-Type")
	if ct == "" {
		return createRequest{}, unsupportedMedia("Content-Type is missing")
	}
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return createRequest{}, unsupportedMedia("Content-Type is malformed")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return createRequest{}, unsupportedMedia("the only charset accepted is utf-8")
	}
	var decode func([]byte) (createFields, error)
	switch media {
	case "application/json":
		decode = decodeJSON
	case "application/x-www-form-urlencoded":
		decode = decodeForm
	default:
		return createRequest{}, unsupportedMedia("Content-Type must be application/json or application/x-www-form-urlencoded")
	}
	body, err := rawBody(req)
	if err != nil {
		return createRequest{}, err
	}
	if len(body) == 0 {
		return createRequest{}, badRequest("the body is empty: email is required")
	}
	if !utf8.Valid(body) {
		return createRequest{}, badRequest("the body is not valid UTF-8")
	}
	f, err := decode(body)
	if err != nil {
		return createRequest{}, err
	}
	return f.validate()
}

func unsupportedMedia(message string) *apiError {
	return newError(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "%s", message)
}

// rawBody undoes API Gateway's base64 encoding (used for binary media types) and enforces the size limit.
func rawBody(req events.APIGatewayProxyRequest) ([]byte, error) {
	return rawBodyUpTo(req, bodyLimit{maxBody, ""})
}

// bodyLimit is a route's largest body, and what its 413 adds to say why.
type bodyLimit struct {
	max  int
	hint string
}

// rawBodyUpTo is rawBody with a route's own limit.
func rawBodyUpTo(req events.APIGatewayProxyRequest, limit bodyLimit) ([]byte, error) {
	// Checked before decoding too: base64 only grows a body, so an encoded one over the limit is over it decoded.
	if len(req.Body) > limit.max*4/3+4 {
		return nil, tooLarge("the body is over %d bytes%s", limit.max, limit.hint)
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
			return nil, badRequest("the body is not valid base64")
		}
	}
	if len(body) > limit.max {
		return nil, tooLarge("the body is over %d bytes%s", limit.max, limit.hint)
	}
	return body, nil
}

func tooLarge(format string, args ...any) *apiError {
	return newError(http.StatusRequestEntityTooLarge, "PayloadTooLarge", format, args...)
}

// decodeJSON walks the object token by token rather than unmarshalling into a
// struct: encoding/json would match field names case-insensitively and let a
// repeated field silently win, and both hide client mistakes.
func decodeJSON(body []byte) (createFields, error) {
	var f createFields
	if hasLoneSurrogate(body) {
		return f, badRequest("the body holds a string with an invalid \\u escape (a lone UTF-16 surrogate), which cannot stand for a character")
	}
	malformed := badRequest("the body is not a valid JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return f, badRequest("the body must be a JSON object with at least email")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return f, malformed
		}
		if seen[key] {
			return f, badRequest("field %q is repeated", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return f, malformed
		}
		if err := f.setJSON(key, raw); err != nil {
			return f, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return f, malformed
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return f, badRequest("there is data after the JSON object")
	}
	return f, nil
}

// setJSON stores one field. null counts as absent, as JSON clients send it
// for unset options: unmarshalling null into a pointer or slice leaves it nil.
func (f *createFields) setJSON(key string, raw json.RawMessage) error {
	switch key {
	case "email":
		return jsonAs(raw, &f.email, "email must be a string")
	case "temporaryPassword":
		return jsonAs(raw, &f.temporaryPassword, "temporaryPassword must be a string")
	case "sendInvitation":
		return jsonAs(raw, &f.sendInvitation, "sendInvitation must be true or false")
	case "groups":
		// Pointers, because a null element would otherwise become "" without an error.
		var groups []*string
		if err := jsonAs(raw, &groups, "groups must be an array of strings"); err != nil {
			return err
		}
		if slices.Contains(groups, nil) {
			return badRequest("groups must be an array of strings")
		}
		for _, g := range groups {
			f.groups = append(f.groups, *g)
		}
		return nil
	}
	return badRequest("unknown field %q", key)
}

func jsonAs(raw json.RawMessage, v any, message string) error {
	if json.Unmarshal(raw, v) != nil {
		return badRequest("%s", message)
	}
	return nil
}

func decodeForm(body []byte) (createFields, error) {
	var f createFields
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return f, badRequest("the form body is malformed")
	}
	// Sorted so a body with several mistakes always reports the same one.
	for _, key := range slices.Sorted(maps.Keys(form)) {
		vals := form[key]
		// The body is valid UTF-8, but percent-escapes can still spell invalid
		// bytes. The SDK would replace them on the way to Cognito, which would
		// then hold another password or group than the one checked here.
		if !utf8.ValidString(key) || slices.ContainsFunc(vals, func(v string) bool { return !utf8.ValidString(v) }) {
			return f, badRequest("the form body is not valid UTF-8 once percent-decoded")
		}
		if key == "groups" {
			f.groups = vals
			continue
		}
		if len(vals) > 1 {
			return f, badRequest("field %q is repeated", key)
		}
		v := vals[0]
		switch key {
		case "email":
			f.email = &v
		case "temporaryPassword":
			f.temporaryPassword = &v
		case "sendInvitation":
			b, ok := map[string]bool{"true": true, "false": false}[v]
			if !ok {
				return f, badRequest("sendInvitation must be true or false")
			}
			f.sendInvitation = &b
		default:
			return f, badRequest("unknown field %q", key)
		}
	}
	return f, nil
}

func (f createFields) validate() (createRequest, error) {
	if f.email == nil {
		return createRequest{}, badRequest("email is required")
	}
	email, err := NormalizeEmail(*f.email)
	if err != nil {
		return createRequest{}, invalidEmail("email", err)
	}
	r := createRequest{email: email, temporaryPassword: f.temporaryPassword, sendInvitation: true}
	if f.sendInvitation != nil {
		r.sendInvitation = *f.sendInvitation
	}
	if len(f.groups) > maxGroups {
		return createRequest{}, badRequest("groups holds more than %d names", maxGroups)
	}
	for _, g := range f.groups {
		if g == "" || utf8.RuneCountInString(g) > maxGroupName {
			return createRequest{}, badRequest("groups must hold names of 1 to %d characters", maxGroupName)
		}
	}
	r.groups = slices.Compact(slices.Sorted(slices.Values(f.groups)))
	return r, nil
}

func invalidEmail(field string, err error) *apiError {
	return newError(http.StatusBadRequest, "InvalidEmail", "%s %v", field, err)
}

// listQuery is a decoded GET /users query.
type listQuery struct {
	paging
	filter string
}

var userStatuses = []string{"UNCONFIRMED", "CONFIRMED", "ARCHIVED", "COMPROMISED", "UNKNOWN", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD", "EXTERNAL_PROVIDER"}

func decodeList(req events.APIGatewayProxyRequest, pool string) (listQuery, error) {
	q := listQuery{paging: paging{limit: defaultPage}}
	params := queryParams(req)
	invalidToken := newError(http.StatusBadRequest, "InvalidNextToken", "nextToken is not a token this API issued for this user pool")
	var status, prefix *string
	for _, key := range slices.Sorted(maps.Keys(params)) {
		vals := params[key]
		if len(vals) != 1 {
			return q, badRequest("query parameter %q is repeated", key)
		}
		v := vals[0]
		if ok, err := readPaging(&q.paging, key, v, pool, invalidToken); ok {
			if err != nil {
				return q, err
			}
			continue
		}
		switch key {
		case "status":
			if !slices.Contains(userStatuses, v) {
				return q, badRequest("status must be one of %s", strings.Join(userStatuses, ", "))
			}
			status = &v
		case "email":
			// UTF-8 is checked before lower-casing, which would quietly replace invalid bytes with U+FFFD.
			valid := utf8.ValidString(v)
			// Normalised as emails are, so a prefix in either Unicode spelling finds the stored address.
			p := norm.NFC.String(strings.ToLower(strings.TrimSpace(v)))
			// The prefix goes inside a quoted filter string, which has no escapes Cognito documents.
			// No address is longer than a username, and that keeps the filter within ListUsers' 256 characters.
			if p == "" || utf16Len(p) > maxUsername || strings.ContainsAny(p, "\"\\") || !valid ||
				strings.IndexFunc(p, unicode.IsControl) >= 0 {
				return q, badRequest("email must be a non-empty prefix of at most %d characters without quotes, backslashes or control characters", maxUsername)
			}
			prefix = &p
		default:
			return q, badRequest("unknown query parameter %q", key)
		}
	}
	if err := q.check(); err != nil {
		return q, err
	}
	switch {
	case status != nil && prefix != nil:
		return q, badRequest("status and email cannot be combined: Cognito filters on one attribute at a time")
	case status != nil:
		q.filter = `cognito:user_status = "` + *status + `"`
	case prefix != nil:
		q.filter = `email ^= "` + *prefix + `"`
	}
	return q, nil
}

// pathParam reads a path parameter. A REST API hands path parameters over
// percent-encoded, as the client sent them (unlike an HTTP API), so they are
// decoded here exactly once: decoding twice would let "a%2541@…" address
// "aa@…". A malformed escape is the caller's mistake.
func pathParam(req events.APIGatewayProxyRequest, name string) (string, error) {
	v, err := url.PathUnescape(req.PathParameters[name])
	if err != nil {
		return "", errors.New("is not validly percent-encoded")
	}
	return v, nil
}

// header finds a request header whatever its case, in either map API Gateway fills.
func header(req events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
