// Package importfile holds the rules of a bulk-import file: its formats
// (CSV and JSON Lines), the reading of each record, and the checks every row
// passes before anything is sent: POST /users's own rules, the managed
// groups, duplicates, and what the caller's roles may create. It is plain Go,
// so the useradmin CLI (its import and dry run) and the admin API's
// preview route (POST /imports/preview, for the web console) apply exactly
// the same rules.
//
// The rules of one create request are the handler's (lambda/handler), which
// serves the preview with this package: it passes them in as Rules rather
// than this package importing it.
package importfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// Format is the input or output format.
type Format string

// The formats import reads and export writes.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// ParseFormat reads a --format value; empty means "from the file name".
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case CSV, JSONL, "":
		return f, nil
	}
	return "", fmt.Errorf("format must be csv or jsonl, got %q", s)
}

// FormatOf guesses the format from a file name: .jsonl and .ndjson are JSON
// Lines, anything else (standard input too) is CSV.
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return JSONL
	}
	return CSV
}

// Fields are one record's create fields as the file holds them; nil means absent.
type Fields struct {
	Email, TemporaryPassword *string
	SendInvitation           *bool
	Groups                   []string
}

// Create is one create request, as POST /users takes it.
type Create struct {
	Email             string
	TemporaryPassword *string
	// SendInvitation is nil when the record leaves it to the API's default.
	SendInvitation *bool
	Groups         []string
}

// Rules are POST /users's own checks of one request (lambda/handler's CreateRules).
type Rules interface {
	// Check applies the rules that need no deployment settings and returns
	// the request to send: email normalised, groups sorted and unique, the
	// other fields as given.
	Check(Fields) (Create, error)
	// DecodeJSON decodes one JSON create body: unknown, repeated or
	// mistyped fields are refused, and null counts as absent.
	DecodeJSON([]byte) (Fields, error)
	// NotManaged is the API's refusal of a group admins may not manage.
	NotManaged(group string) error
	// Refusal is the API's error code and message for err, or "" and "" for
	// an error that is not one of the API's.
	Refusal(err error) (code, message string)
}

// Row is one input record, checked.
type Row struct {
	// Line is the record's line in the input (the header is line 1 of a CSV),
	// the number a person finds it by in an editor or a spreadsheet.
	Line int
	// Email is normalised when the row is valid, else as given (trimmed).
	Email  string
	Create Create
	// Code and Message say why an invalid row is refused; empty when valid.
	Code, Message string
}

// Valid reports whether the row may be sent.
func (r Row) Valid() bool { return r.Code == "" }

// Duplicate is the code of a row whose email an earlier row already holds.
const Duplicate = "Duplicate"

// csvColumns are the columns a CSV may have; email is required.
var csvColumns = []string{"email", "groups", "sendInvitation"}

// Options are what Parse checks beyond the rows' own rules.
type Options struct {
	// Managed, when not nil, says which groups the caller may manage (GET
	// /groups); nil leaves that rule to the API.
	Managed func(string) bool
	// MaxRows, when positive, refuses an input of more records than that
	// (a *TooManyRowsError) before any row is checked.
	MaxRows int
}

// TooManyRowsError is Parse's error for an input over Options.MaxRows.
type TooManyRowsError struct{ Max int }

func (e *TooManyRowsError) Error() string {
	return fmt.Sprintf("the input has more than %d rows", e.Max)
}

// Parse reads every record of data and checks each with rules, then refuses
// unmanaged groups and duplicates after normalisation. The error is for
// input that cannot be read at all (no header, an unknown column, broken quoting).
func Parse(data []byte, format Format, rules Rules, o Options) ([]Row, error) {
	var recs []record
	var err error
	switch format {
	case JSONL:
		recs, err = readJSONL(data, rules, o.MaxRows)
	case CSV, "":
		recs, err = readCSV(data, o.MaxRows)
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, err
	}
	rows := make([]Row, len(recs))
	for i, rec := range recs {
		rows[i] = rec.check(rules)
	}
	first := map[string]int{}
	for i := range rows {
		r := &rows[i]
		if !r.Valid() {
			continue
		}
		if o.Managed != nil {
			if g := slices.IndexFunc(r.Create.Groups, func(g string) bool { return !o.Managed(g) }); g >= 0 {
				r.refuse(rules, rules.NotManaged(r.Create.Groups[g]))
				continue
			}
		}
		if line, ok := first[r.Email]; ok {
			r.Code, r.Message = Duplicate, fmt.Sprintf("duplicate of line %d (same email once normalised)", line)
			continue
		}
		first[r.Email] = r.Line
	}
	return rows, nil
}

// record is one record as read, before the create rules: its fields, or
// the reason it is refused already.
type record struct {
	line   int
	email  string // as given, for a row refused before its fields are read
	fields Fields
	err    error
}

// check fills the row from the record the way POST /users would judge it.
func (rec record) check(rules Rules) Row {
	r := Row{Line: rec.line, Email: strings.TrimSpace(rec.email)}
	if rec.fields.Email != nil {
		r.Email = strings.TrimSpace(*rec.fields.Email)
	}
	if rec.err != nil {
		r.refuse(rules, rec.err)
		return r
	}
	c, err := rules.Check(rec.fields)
	if err != nil {
		r.refuse(rules, err)
		return r
	}
	r.Email = c.Email
	r.Create = Create{Email: c.Email, TemporaryPassword: c.TemporaryPassword, Groups: c.Groups, SendInvitation: rec.fields.SendInvitation}
	return r
}

func (r *Row) refuse(rules Rules, err error) {
	r.Code, r.Message = rules.Refusal(err)
	if r.Code == "" {
		r.Code, r.Message = "InvalidRequest", err.Error()
	}
}

func readCSV(data []byte, maxRows int) ([]record, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets write a byte-order mark
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // checked per row, so one short row is reported, not fatal
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the input is empty: a CSV needs a header line with an email column")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		j := slices.IndexFunc(csvColumns, func(c string) bool { return strings.EqualFold(c, h) })
		if j < 0 {
			// Refused rather than ignored: a misspelt "group" column would silently create users without their groups.
			return nil, fmt.Errorf("unknown CSV column %q: the columns are %s", h, strings.Join(csvColumns, ", "))
		}
		if _, dup := col[csvColumns[j]]; dup {
			return nil, fmt.Errorf("CSV column %q appears twice", csvColumns[j])
		}
		col[csvColumns[j]] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, errors.New("the CSV header has no email column")
	}
	var recs []record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the CSV: %w", err)
		}
		if maxRows > 0 && len(recs) == maxRows {
			return nil, &TooManyRowsError{Max: maxRows}
		}
		line, _ := cr.FieldPos(0)
		r := record{line: line, email: rec[0]}
		if len(rec) != len(header) {
			r.err = fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))
			recs = append(recs, r)
			continue
		}
		email := rec[col["email"]]
		r.fields.Email = &email
		if i, ok := col["groups"]; ok {
			for g := range strings.SplitSeq(rec[i], ";") {
				if g = strings.TrimSpace(g); g != "" {
					r.fields.Groups = append(r.fields.Groups, g)
				}
			}
		}
		if i, ok := col["sendInvitation"]; ok {
			// Case-insensitive, as spreadsheets write TRUE and FALSE; empty keeps the API's default.
			switch v := strings.ToLower(strings.TrimSpace(rec[i])); v {
			case "":
			case "true", "false":
				b := v == "true"
				r.fields.SendInvitation = &b
			default:
				r.err = fmt.Errorf("sendInvitation must be true, false or empty, got %q", rec[i])
			}
		}
		recs = append(recs, r)
	}
}

func readJSONL(data []byte, rules Rules, maxRows int) ([]record, error) {
	var recs []record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		if maxRows > 0 && len(recs) == maxRows {
			return nil, &TooManyRowsError{Max: maxRows}
		}
		r := record{line: line}
		r.fields, r.err = rules.DecodeJSON(text)
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the JSON Lines: %w", err)
	}
	return recs, nil
}
