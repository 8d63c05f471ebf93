package test

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/cli"
)

// useradmin audit and users history: a table by default on a terminal,
// --output json (the API's page) and csv.
func TestUseradminAudit(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	conf := filepath.Join(t.TempDir(), "useradmin")
	useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure --local")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")
	const who = "cli.audit@example.com"
	useradmin(t, conf, nil, "users", "create", who).want(t, 0, "create")
	useradmin(t, conf, nil, "users", "disable", who).want(t, 0, "disable")

	table := useradmin(t, conf, nil, "users", "history", who, "--output", "table").want(t, 0, "history table")
	lines := strings.Split(strings.TrimSpace(table.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "disable") || !strings.Contains(lines[1], "enabled: true→false") ||
		!strings.Contains(lines[1], adminEmail) || !strings.Contains(lines[2], "created") {
		t.Errorf("history table:\n%s", table.stdout)
	}

	js := useradmin(t, conf, nil, "audit", "--user", who, "--action", "create", "--output", "json").want(t, 0, "audit json")
	var page struct {
		Records []struct{ Action, Target string }
	}
	if err := json.Unmarshal([]byte(js.stdout), &page); err != nil || len(page.Records) != 1 || page.Records[0].Action != "create" || page.Records[0].Target != who {
		t.Errorf("audit json: %s (%v)", js.stdout, err)
	}

	c := useradmin(t, conf, nil, "audit", "--user", who, "--all", "--output", "csv").want(t, 0, "audit csv")
	rows, err := csv.NewReader(strings.NewReader(c.stdout)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][3] != "action" || rows[1][3] != "disable" || !strings.Contains(rows[1][10], `"enabled":false`) {
		t.Errorf("audit csv: %q (%v)", rows, err)
	}
	useradmin(t, conf, nil, "audit", "--action", "nonsense").want(t, cli.ExitUsage, "an action the API refuses is invalid input")
}
