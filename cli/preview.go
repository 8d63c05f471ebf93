package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
)

// usersPreviewImportCommand asks the API to judge a CSV (POST
// /imports/preview), as the web console does before an import: the same
// verdicts as `users import --dry-run`, given by the API with the caller's
// live roles. Nothing is created.
func (a *app) usersPreviewImportCommand() *cobra.Command {
	cmd := a.apiCommand("preview-import FILE", "Ask the API to check a CSV as an import would (the web console's preview); nothing is created", "previewImport", cobra.ExactArgs(1),
		func(cmd *cobra.Command, x *API, args []string) error {
			var data []byte
			var err error
			if args[0] == "-" {
				data, err = io.ReadAll(a.io.Stdin)
			} else {
				data, err = os.ReadFile(args[0])
			}
			if err != nil {
				return usageErr("reading %s: %v", args[0], err)
			}
			body, err := x.Do(x.Client.PreviewImport(cmd.Context(), client.ImportPreviewRequest{Content: string(data)}))
			if err != nil {
				return err
			}
			var p client.ImportPreview
			if err := json.Unmarshal(body, &p); err != nil {
				return failErr("the API's answer: %v", err)
			}
			if err := a.printer().render(body, previewView(p)); err != nil {
				return err
			}
			if p.Invalid > 0 {
				// As the dry run: a file with invalid rows is not ready to import.
				return &exitError{code: ExitAPI, err: errors.New("some rows are invalid: fix them, or import the others")}
			}
			return nil
		})
	cmd.Example = `  useradmin users preview-import users.csv
  useradmin users preview-import users.csv -o json`
	return cmd
}

// previewView prints a preview as the dry run prints its plan: each row's
// verdict, then the counts.
func previewView(p client.ImportPreview) view {
	return view{
		table: func(w io.Writer) error {
			for _, r := range p.Rows {
				if r.Create == nil {
					fmt.Fprintf(w, "line %d %s: invalid %s: %s\n", r.Line, r.Email, deref(r.Code), deref(r.Message))
					continue
				}
				inv := "with invitation"
				if r.Create.SendInvitation != nil && !*r.Create.SendInvitation {
					inv = "without invitation"
				}
				groups := ""
				if r.Create.Groups != nil && len(*r.Create.Groups) > 0 {
					groups = ", groups " + strings.Join(*r.Create.Groups, ";")
				}
				fmt.Fprintf(w, "line %d %s: create, %s%s\n", r.Line, r.Email, inv, groups)
			}
			_, err := fmt.Fprintf(w, "preview: %d rows, %d valid, %d invalid; nothing sent\n", len(p.Rows), p.Valid, p.Invalid)
			return err
		},
		csv: func() ([]string, [][]string) {
			var rows [][]string
			for _, r := range p.Rows {
				outcome, send, groups := "invalid", "", ""
				if c := r.Create; c != nil {
					outcome = "valid"
					if c.SendInvitation != nil {
						send = strconv.FormatBool(*c.SendInvitation)
					}
					if c.Groups != nil {
						groups = strings.Join(*c.Groups, ";")
					}
				}
				rows = append(rows, []string{strconv.Itoa(r.Line), r.Email, outcome, groups, send, deref(r.Code), deref(r.Message)})
			}
			return []string{"line", "email", "outcome", "groups", "sendInvitation", "code", "message"}, rows
		},
	}
}
