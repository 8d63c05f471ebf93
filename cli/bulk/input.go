package bulk

import (
	"github.com/useradmin/cognito-user-admin/lambda/handler"
	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// The input's formats, rows and checks are lambda/importfile's, which the
// API's preview route (POST /imports/preview) applies too: the rules live once.
type (
	// Format is the input or output format.
	Format = importfile.Format
	// Row is one input record, checked.
	Row = importfile.Row
	// Create is one create request, as POST /users takes it.
	Create = importfile.Create
)

// The formats import reads and export writes, and the code of a duplicate row.
const (
	CSV       = importfile.CSV
	JSONL     = importfile.JSONL
	Duplicate = importfile.Duplicate
)

// ParseFormat reads a --format value; empty means "from the file name".
func ParseFormat(s string) (Format, error) { return importfile.ParseFormat(s) }

// FormatOf guesses the format from a file name (importfile.FormatOf).
func FormatOf(name string) Format { return importfile.FormatOf(name) }

// Parse reads every record of data and checks each with the API's own rules
// (handler.CreateRules), then refuses duplicates after normalisation.
// managed, when not nil, says which groups admins may manage; nil leaves
// that rule to the API. The error is for input that cannot be read at all.
func Parse(data []byte, format Format, managed func(string) bool) ([]Row, error) {
	return importfile.Parse(data, format, handler.CreateRules, importfile.Options{Managed: managed})
}
