package bulk

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	in := "\ufeffEmail, Groups ,sendInvitation\n" +
		"a@example.com,staff; ops ;,TRUE\n" + // line 2
		"\n" + // blank lines are skipped, line numbers still count
		"b@example.com,,false\n" + // line 4
		"c@example.com,,\n" + // line 5
		"\"d@example.com\",staff,yes\n" + // line 6: bad sendInvitation
		"e@example\n" + // line 7: wrong field count
		"e@example,,\n" + // line 8: no dot in the domain
		"x@example.com,secret,\n" + // line 9: unmanaged group
		" C@Example.COM ,,\n" // line 10: duplicate of line 5 once normalised
	rows, err := Parse([]byte(in), CSV, func(g string) bool { return g == "staff" || g == "ops" })
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		line  int
		email string
		code  string
	}
	wants := []want{{2, "a@example.com", ""}, {4, "b@example.com", ""}, {5, "c@example.com", ""}, {6, "d@example.com", "InvalidRequest"},
		{7, "e@example", "InvalidRequest"}, {8, "e@example", "InvalidEmail"}, {9, "x@example.com", "GroupNotManaged"}, {10, "c@example.com", Duplicate}}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(wants), rows)
	}
	for i, w := range wants {
		r := rows[i]
		if r.Line != w.line || r.Email != w.email || r.Code != w.code {
			t.Errorf("row %d = line %d %q %q (%s), want line %d %q %q", i, r.Line, r.Email, r.Code, r.Message, w.line, w.email, w.code)
		}
	}
	a := rows[0].Create
	if !slices.Equal(a.Groups, []string{"ops", "staff"}) || a.SendInvitation == nil || !*a.SendInvitation {
		t.Errorf("row a = %+v", a)
	}
	if b := rows[1].Create; b.SendInvitation == nil || *b.SendInvitation {
		t.Errorf("row b = %+v", b)
	}
	if c := rows[2].Create; c.SendInvitation != nil || c.Groups != nil {
		t.Errorf("row c = %+v: empty cells keep the API's defaults", c)
	}
	if m := rows[7].Message; !strings.Contains(m, "line 5") {
		t.Errorf("duplicate message %q does not name the first row", m)
	}
	if m := rows[5].Message; m != "email domain must contain a dot" {
		t.Errorf("message %q is not the Lambda's", m)
	}
}

func TestParseCSVRefusesAnUnreadableInput(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"no email":       "groups\nstaff\n",
		"unknown column": "email,group\na@example.com,staff\n",
		"twice":          "email,EMAIL\na@example.com,a@example.com\n",
		"broken quoting": "email\n\"a@example.com\n",
	} {
		if _, err := Parse([]byte(in), CSV, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseJSONLUsesTheAPIsRules(t *testing.T) {
	in := `{"email":"A@example.com","temporaryPassword":"Secret-Pass-123","sendInvitation":false,"groups":["staff","staff"]}
{"email":"b@example.com","group":"x"}
{"email":"c@example.com","email":"d@example.com"}

{"email": 5}
not json
{"sendInvitation":true}
`
	rows, err := Parse([]byte(in), JSONL, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := []int{1, 2, 3, 5, 6, 7}
	codes := []string{"", "InvalidRequest", "InvalidRequest", "InvalidRequest", "InvalidRequest", "InvalidRequest"}
	for i, r := range rows {
		if r.Line != lines[i] || r.Code != codes[i] {
			t.Errorf("row %d: line %d code %q (%s)", i, r.Line, r.Code, r.Message)
		}
	}
	a := rows[0].Create
	if a.Email != "a@example.com" || a.TemporaryPassword == nil || *a.TemporaryPassword != "Secret-Pass-123" || !slices.Equal(a.Groups, []string{"staff"}) {
		t.Errorf("row 1 = %+v", a)
	}
	if !strings.Contains(rows[1].Message, `unknown field "group"`) || !strings.Contains(rows[2].Message, "repeated") {
		t.Errorf("messages: %q, %q", rows[1].Message, rows[2].Message)
	}
}

func TestFormats(t *testing.T) {
	if FormatOf("users.JSONL") != JSONL || FormatOf("x.ndjson") != JSONL || FormatOf("users.csv") != CSV || FormatOf("-") != CSV {
		t.Error("FormatOf")
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat accepted xml")
	}
}
