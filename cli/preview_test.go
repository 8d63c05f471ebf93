package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// users preview-import sends the file as the API's preview content and
// prints the verdicts as the dry run does; invalid rows make exit 1.
func TestUsersPreviewImport(t *testing.T) {
	const csv = "email,groups\na@example.com,staff\nb@example\n"
	answer := `{"rows":[{"line":2,"email":"a@example.com","create":{"email":"a@example.com","groups":["staff"],"sendInvitation":false}},` +
		`{"line":3,"email":"b@example","code":"InvalidEmail","message":"email domain must contain a dot"}],"valid":1,"invalid":1}`
	var got []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct{ Content string }
		_ = json.Unmarshal(b, &req)
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+req.Content)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(req.Content, "b@example\n") {
			fmt.Fprint(w, answer)
			return
		}
		fmt.Fprint(w, `{"rows":[],"valid":0,"invalid":0}`)
	}))
	t.Cleanup(api.Close)
	env := signedInProfile(t, api.URL)
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := run(t, env, "", "--output", "table", "users", "preview-import", file)
	if code != ExitAPI || !strings.Contains(stderr, "some rows are invalid") {
		t.Errorf("exit %d, stderr %q; want 1 for a file with an invalid row", code, stderr)
	}
	want := "line 2 a@example.com: create, without invitation, groups staff\n" +
		"line 3 b@example: invalid InvalidEmail: email domain must contain a dot\n" +
		"preview: 2 rows, 1 valid, 1 invalid; nothing sent\n"
	if stdout != want {
		t.Errorf("table:\n%s\nwant\n%s", stdout, want)
	}
	if len(got) != 1 || got[0] != "POST /imports/preview application/json "+csv {
		t.Errorf("sent %q", got)
	}

	if _, stdout, _ = run(t, env, "", "--output", "json", "users", "preview-import", file); strings.TrimSpace(stdout) != answer {
		t.Errorf("json: %s", stdout)
	}
	if code, _, stderr = run(t, env, "email\n", "users", "preview-import", "-"); code != 0 {
		t.Errorf("a file without invalid rows, from standard input: exit %d: %s", code, stderr)
	}
}
