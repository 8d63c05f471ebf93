package cli

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/api/client"
	"github.com/useradmin/cognito-user-admin/cli/bulk"
)

func TestAnswerOf(t *testing.T) {
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, c := range map[string]struct {
		status int
		header map[string]string
		body   string
		want   bulk.Answer
	}{
		"created": {201, map[string]string{"X-Amzn-Requestid": "r1", "Date": date.Format(http.TimeFormat)}, `{"user":{}}`,
			bulk.Answer{Status: 201, RequestID: "r1", Date: date}},
		"the API's error shape": {409, map[string]string{"X-Amzn-Requestid": "gw"}, `{"error":{"code":"UserExists","message":"exists"},"requestId":"lambda"}`,
			bulk.Answer{Status: 409, Code: "UserExists", Message: "exists", RequestID: "lambda"}},
		"the gateway's throttle": {429, map[string]string{"Retry-After": "1", "X-Amzn-Requestid": "r2"}, `{"message":"Too many requests: slow down and retry."}`,
			bulk.Answer{Status: 429, Code: "TooManyRequests", Message: "Too many requests: slow down and retry.", RequestID: "r2", RetryAfter: time.Second}},
		"the authorizer": {401, nil, `{"message":"Unauthorized"}`, bulk.Answer{Status: 401, Code: NoSession, Message: "Unauthorized"}},
		"not JSON":       {502, nil, `<html>`, bulk.Answer{Status: 502, Code: "BadGateway", Message: "Bad Gateway"}},
	} {
		resp := &http.Response{StatusCode: c.status, Header: http.Header{}}
		for k, v := range c.header {
			resp.Header.Set(k, v)
		}
		if got := answerOf(resp, []byte(c.body)); got != c.want {
			t.Errorf("%s: %+v, want %+v", name, got, c.want)
		}
	}
}

func TestResumeCommand(t *testing.T) {
	cmd := &cobra.Command{Use: "import"}
	cmd.Flags().Bool("dry-run", false, "")
	cmd.Flags().Bool("strict", false, "")
	cmd.Flags().String("state", "", "")
	if err := cmd.ParseFlags([]string{"--strict", "--state", "my state.journal", "--dry-run"}); err != nil {
		t.Fatal(err)
	}
	if got, want := resumeCommand(cmd, "it's.csv"), `import --state 'my state.journal' --strict 'it'\''s.csv'`; got != want {
		t.Errorf("resume = %s, want %s", got, want)
	}
}

// users export --format jsonl writes "the API's user objects": a user of a
// list page comes out with every field the API gave, names and custom
// attributes included.
func TestExportedUserIsTheAPIsUser(t *testing.T) {
	given, family := "Ada", "Lovelace"
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := client.User{
		Username: "u1", Email: "ada@example.com", Status: "CONFIRMED", Enabled: true,
		CreatedAt: at, UpdatedAt: at, Groups: &[]string{"admins"},
		GivenName: &given, FamilyName: &family, Attributes: map[string]string{"department": "Eng"},
	}
	want, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(toBulkUser(u))
	if err != nil {
		t.Fatal(err)
	}
	var g, w map[string]any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("exported\n%s\nwant the API's\n%s", got, want)
	}
}
