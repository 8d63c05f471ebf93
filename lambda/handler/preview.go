package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// The import preview's limits. The CSV's are what a person imports from a
// browser at once (the console previews the file before sending a row);
// the body's leave room for the JSON escapes of the CSV (quotes and line
// ends take two bytes each); the answer's keep it within what a Lambda may
// return (6 MB), whatever the rows echo.
const (
	maxPreviewCSV  = 1 << 20
	maxPreviewRows = 10_000
	maxPreviewBody = 2 << 20
)

// maxPreviewAnswer is the largest answer; a variable so a test can reach it.
var maxPreviewAnswer = 5 << 20

// previewLimits says the limits, in every 413 of the route.
var previewLimits = fmt.Sprintf(": a preview takes a CSV of at most %d MiB (%d bytes) and %d rows; split the file", maxPreviewCSV>>20, maxPreviewCSV, maxPreviewRows)

// previewBody is POST /imports/preview's answer.
type previewBody struct {
	Rows    []previewRow `json:"rows"`
	Valid   int          `json:"valid"`
	Invalid int          `json:"invalid"`
}

// previewRow is one row: the create request to send when valid, the
// refusal's code and message when not.
type previewRow struct {
	Line    int            `json:"line"`
	Email   string         `json:"email"`
	Create  *previewCreate `json:"create,omitempty"`
	Code    string         `json:"code,omitempty"`
	Message string         `json:"message,omitempty"`
}

// previewCreate is the POST /users body of a valid row. It has no
// temporaryPassword field at all: a preview never echoes one.
type previewCreate struct {
	Email          string   `json:"email"`
	SendInvitation *bool    `json:"sendInvitation,omitempty"`
	Groups         []string `json:"groups,omitempty"`
}

// importPreview handles POST /imports/preview: it checks a CSV as
// `useradmin users import --dry-run` does (lambda/importfile: the columns,
// POST /users's rules per row, the groups the caller may manage, duplicates,
// and what the caller's roles may create) and changes nothing. Only CSV:
// JSON Lines may carry temporary passwords, which must not travel back.
func (h *Handler) importPreview(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	content, err := decodePreview(c.req)
	if err != nil {
		return none, err
	}
	// The groups GET /groups answers the caller, as the CLI reads them.
	visible, err := h.visibleGroups(ctx, c)
	if err != nil {
		return none, err
	}
	managed := make([]string, len(visible))
	for i, g := range visible {
		managed[i] = g.Name
	}
	rows, err := importfile.Parse(content, importfile.CSV, CreateRules, importfile.Options{
		Managed: func(g string) bool { return slices.Contains(managed, g) },
		MaxRows: maxPreviewRows,
	})
	var tooMany *importfile.TooManyRowsError
	if errors.As(err, &tooMany) {
		return none, tooLarge("the CSV has more than %d rows%s", maxPreviewRows, previewLimits)
	}
	if err != nil {
		return none, badRequest("%v", err)
	}
	importfile.SuggestGroups(rows, managed)
	importfile.CheckAccess(rows, c.caller.grant)

	body := previewBody{Rows: make([]previewRow, len(rows))}
	for i, r := range rows {
		p := previewRow{Line: r.Line, Email: r.Email, Code: r.Code, Message: r.Message}
		if r.Valid() {
			p.Create = &previewCreate{Email: r.Create.Email, SendInvitation: r.Create.SendInvitation, Groups: r.Create.Groups}
			body.Valid++
		} else {
			body.Invalid++
		}
		body.Rows[i] = p
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Rows echo what the file holds: without HTML escaping, an answer is no larger than the body's own escapes.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body) // strings, ints and bools only: cannot fail
	if b.Len() > maxPreviewAnswer {
		return none, tooLarge("the preview's answer would be over %d bytes%s", maxPreviewAnswer, previewLimits)
	}
	return rawJSONResponse(http.StatusOK, bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// decodePreview reads {"content": "<CSV>"}, JSON only.
func decodePreview(req events.APIGatewayProxyRequest) ([]byte, error) {
	fields, err := jsonObjectUpTo(req, "a JSON object with content, the CSV text", bodyLimit{maxPreviewBody, previewLimits})
	if err != nil {
		return nil, err
	}
	var content *string
	for _, f := range fields {
		if f.key != "content" {
			return nil, badRequest("unknown field %q: the body is {\"content\": \"<the CSV text>\"}", f.key)
		}
		if err := jsonAs(f.raw, &content, "content must be a string: the CSV text"); err != nil {
			return nil, err
		}
	}
	if content == nil {
		return nil, badRequest("content is required: the CSV text, with a header line naming the columns (email, groups, sendInvitation)")
	}
	if len(*content) > maxPreviewCSV {
		return nil, tooLarge("the CSV is over %d bytes%s", maxPreviewCSV, previewLimits)
	}
	return []byte(*content), nil
}
