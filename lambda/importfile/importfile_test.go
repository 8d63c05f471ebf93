package importfile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/handler"
	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// MaxRows refuses an input of more records than that, counting records,
// not lines (blank lines and the header are not rows), in either format.
func TestParseMaxRows(t *testing.T) {
	for _, tc := range []struct {
		format importfile.Format
		in     string
	}{
		{importfile.CSV, "email\na@example.com\n\nb@example.com\nc@example.com\n"},
		{importfile.JSONL, `{"email":"a@example.com"}` + "\n\n" + `{"email":"b@example.com"}` + "\n" + `{"email":"c@example.com"}` + "\n"},
	} {
		rows, err := importfile.Parse([]byte(tc.in), tc.format, handler.CreateRules, importfile.Options{MaxRows: 3})
		if err != nil || len(rows) != 3 {
			t.Errorf("%s: 3 rows with MaxRows 3: %d rows, %v", tc.format, len(rows), err)
		}
		_, err = importfile.Parse([]byte(tc.in), tc.format, handler.CreateRules, importfile.Options{MaxRows: 2})
		var tooMany *importfile.TooManyRowsError
		if !errors.As(err, &tooMany) || tooMany.Max != 2 {
			t.Errorf("%s: 3 rows with MaxRows 2: %v, want a TooManyRowsError", tc.format, err)
		}
	}
}

// An unmanaged group is refused with the API's code, before duplicates are
// counted, and the suggestions name the nearest managed group and the list.
func TestParseManagedAndSuggestions(t *testing.T) {
	managed := []string{"staff", "tenant-a"}
	in := "email,groups\na@example.com,staf\nb@example.com,zzzzzz\na@example.com,staff\n"
	rows, err := importfile.Parse([]byte(in), importfile.CSV, handler.CreateRules, importfile.Options{Managed: func(g string) bool {
		return g == "staff" || g == "tenant-a"
	}})
	if err != nil {
		t.Fatal(err)
	}
	importfile.SuggestGroups(rows, managed)
	if rows[0].Code != importfile.GroupNotManaged || rows[0].Message != `group "staf" is not one you may manage (did you mean "staff"?); managed groups: staff, tenant-a` {
		t.Errorf("row 2 = %s: %s", rows[0].Code, rows[0].Message)
	}
	if rows[1].Code != importfile.GroupNotManaged || strings.Contains(rows[1].Message, "did you mean") || !strings.HasSuffix(rows[1].Message, "; managed groups: staff, tenant-a") {
		t.Errorf("row 3 = %s: %s", rows[1].Code, rows[1].Message)
	}
	// The refused row 2 holds no email: row 4 is the first valid a@example.com.
	if !rows[2].Valid() {
		t.Errorf("row 4 = %s: %s", rows[2].Code, rows[2].Message)
	}
}

func TestNearest(t *testing.T) {
	for in, want := range map[string]string{"admin": "admins", "ADMINS": "admins", "editor": "editors", "xyz": "", "": ""} {
		if got := importfile.Nearest(in, []string{"admins", "editors"}); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}
