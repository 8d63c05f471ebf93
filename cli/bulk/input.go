package bulk

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

	"github.com/useradmin/cognito-user-admin/lambda/handler"
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

// Parse reads every record of data and checks each with the API's own rules
// (lambda/handler), then refuses duplicates after normalisation. managed, when
// not nil, says which groups admins may manage; nil leaves that rule to the API.
// The error is for input that cannot be read at all (no header, broken quoting).
func Parse(data []byte, format Format, managed func(string) bool) ([]Row, error) {
	var rows []Row
	var err error
	switch format {
	case JSONL:
		rows, err = parseJSONL(data)
	case CSV, "":
		rows, err = parseCSV(data)
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, err
	}
	first := map[string]int{}
	for i := range rows {
		r := &rows[i]
		if !r.Valid() {
			continue
		}
		if managed != nil {
			if err := handler.CheckManagedGroups(r.Create.Groups, managed); err != nil {
				r.refuse(err)
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

// check fills the row from fields the way POST /users would judge them.
func (r *Row) check(f handler.CreateFields, err error) {
	if f.Email != nil {
		r.Email = strings.TrimSpace(*f.Email)
	}
	if err != nil {
		r.refuse(err)
		return
	}
	c, err := handler.CheckCreate(f)
	if err != nil {
		r.refuse(err)
		return
	}
	r.Email = c.Email
	r.Create = Create{Email: c.Email, TemporaryPassword: c.TemporaryPassword, Groups: c.Groups}
	if f.SendInvitation != nil {
		v := c.SendInvitation
		r.Create.SendInvitation = &v
	}
}

func (r *Row) refuse(err error) {
	_, r.Code = handler.ErrorCode(err)
	if r.Code == "" {
		r.Code = "InvalidRequest"
	}
	r.Message = handler.ErrorMessage(err)
}

func parseCSV(data []byte) ([]Row, error) {
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
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		r := Row{Line: line}
		if len(rec) != len(header) {
			r.Email = strings.TrimSpace(rec[0])
			r.Code, r.Message = "InvalidRequest", fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))
			rows = append(rows, r)
			continue
		}
		email := rec[col["email"]]
		f := handler.CreateFields{Email: &email}
		var ferr error
		if i, ok := col["groups"]; ok {
			for g := range strings.SplitSeq(rec[i], ";") {
				if g = strings.TrimSpace(g); g != "" {
					f.Groups = append(f.Groups, g)
				}
			}
		}
		if i, ok := col["sendInvitation"]; ok {
			// Case-insensitive, as spreadsheets write TRUE and FALSE; empty keeps the API's default.
			switch v := strings.ToLower(strings.TrimSpace(rec[i])); v {
			case "":
			case "true", "false":
				b := v == "true"
				f.SendInvitation = &b
			default:
				ferr = fmt.Errorf("sendInvitation must be true, false or empty, got %q", rec[i])
			}
		}
		r.check(f, ferr)
		rows = append(rows, r)
	}
}

func parseJSONL(data []byte) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		r := Row{Line: line}
		f, err := handler.DecodeCreateJSON(text)
		r.check(f, err)
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the JSON Lines: %w", err)
	}
	return rows, nil
}
