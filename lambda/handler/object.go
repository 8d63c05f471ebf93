package handler

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// field is one member of a JSON object, in the order sent.
type field struct {
	key string
	raw json.RawMessage
}

// jsonObject reads a JSON-only body as the members of one object: the media
// type must be application/json (utf-8), the body valid UTF-8 within the size
// limit, and no member repeated. As with decodeJSON, the object is walked
// token by token so that neither a repeated member nor a member in another
// case can slip past unnoticed. want describes the expected body for messages.
func jsonObject(req events.APIGatewayProxyRequest, want string) ([]field, error) {
	return jsonObjectUpTo(req, want, bodyLimit{maxBody, ""})
}

// jsonObjectUpTo is jsonObject with a route's own body limit.
func jsonObjectUpTo(req events.APIGatewayProxyRequest, want string, limit bodyLimit) ([]field, error) {
	ct := header(req, "Content-Type")
	if ct == "" {
		return nil, unsupportedMedia("Content-Type is missing: send application/json")
	}
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, unsupportedMedia("Content-Type is malformed")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, unsupportedMedia("the only charset accepted is utf-8")
	}
	if media != "application/json" {
		return nil, unsupportedMedia("Content-Type must be application/json")
	}
	body, err := rawBodyUpTo(req, limit)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(body) {
		return nil, badRequest("the body is not valid UTF-8")
	}
	// As in decodeJSON: encoding/json would turn these into U+FFFD, a password or name the client never sent.
	if hasLoneSurrogate(body) {
		return nil, badRequest("the body holds a string that is not valid text: an invalid \\u escape (a lone UTF-16 surrogate), which cannot stand for a character")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, badRequest("the body is not valid JSON: send %s", want)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badRequest("there is data after the JSON object")
	}
	if raw[0] != '{' {
		return nil, badRequest("the body must be %s", want)
	}
	return objectFields(raw, "the body")
}

// objectFields reads raw as a JSON object's members, refusing repeats; what
// names the object in messages.
func objectFields(raw json.RawMessage, what string) ([]field, error) {
	notObject := badRequest("%s must be an object", what)
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, notObject
	}
	var fields []field
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return nil, notObject
		}
		if seen[key] {
			return nil, badRequest("field %q is repeated in %s", key, what)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject
		}
		fields = append(fields, field{key, v})
	}
	return fields, nil
}
