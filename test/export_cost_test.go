package test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"

	"github.com/useradmin/cognito-user-admin/local"
)

// exportUsers is the pool size of the export cost test: the budget is per
// user of a pool of 1,000 or more.
const exportUsers = 1000

// maxCallsPerUser is the budget: Cognito calls per exported user, every
// call counted (the live check's two per API request included).
const maxCallsPerUser = 0.1

// templateWithGroups writes a copy of the dev template whose deployment also
// manages the extra groups (as infra's ExtraGroups does), and returns its path.
func templateWithGroups(t *testing.T, extra ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(synthDir, "UserAdmin-dev.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	resources := tpl["Resources"].(map[string]any)
	var admins map[string]any
	for _, r := range resources {
		r := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		switch r["Type"] {
		case "AWS::Cognito::UserPoolGroup":
			if props["GroupName"] == "admins" {
				admins = r
			}
		case "AWS::Lambda::Function":
			vars := props["Environment"].(map[string]any)["Variables"].(map[string]any)
			vars["MANAGED_GROUPS"] = strings.Join(append([]string{vars["MANAGED_GROUPS"].(string)}, extra...), ",")
		}
	}
	if admins == nil {
		t.Fatal("the dev template has no admins group")
	}
	for i, g := range extra {
		var group map[string]any
		b, _ := json.Marshal(admins)
		_ = json.Unmarshal(b, &group)
		props := group["Properties"].(map[string]any)
		props["GroupName"], props["Description"], props["Precedence"] = g, "the "+g+" group", i+1
		resources["ExtraGroup"+fmt.Sprint(i)] = group
	}
	out, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "UserAdmin-dev.template.json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// groupsOf is the test's own rule for which groups user i is in: every mix
// of managed groups, none at all, and a group the deployment does not manage.
func groupsOf(i int) []string {
	var g []string
	if i%50 == 0 {
		g = append(g, "admins")
	}
	if i%3 == 0 {
		g = append(g, "ops")
	}
	if i%2 == 0 {
		g = append(g, "staff")
	}
	if i%7 == 0 {
		g = append(g, "legacy") // not managed: the export leaves it out
	}
	return g
}

// TestExportCostPerUser exports a pool of 1,000 users with useradmin
// (CSV, then JSON Lines) through the local gateway, and counts at the
// emulator every Cognito call each export caused: at most 0.1 per user. The
// output is held to the pool itself, user by user (email, groups), and the
// JSON Lines' user objects to what GET /users?groups=true answers for them.
func TestExportCostPerUser(t *testing.T) {
	needEnv(t)
	ctx := context.Background()
	// An environment of its own: the count is this test's calls alone, and
	// the thousand users stay out of the shared pool.
	e, err := local.Start(ctx, templateWithGroups(t, "ops", "staff"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.SeedUser(ctx, adminEmail, password, "admins"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cognito.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &e.Pool.ID, GroupName: aws.String("legacy")}); err != nil {
		t.Fatal(err)
	}
	// Straight into the pool: quicker than the API, and the API is not what is measured.
	var g errgroup.Group
	g.SetLimit(8)
	for i := range exportUsers {
		g.Go(func() error {
			email := fmt.Sprintf("export.%04d@example.com", i)
			if _, err := e.Cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
				UserPoolId: &e.Pool.ID, Username: &email, MessageAction: types.MessageActionTypeSuppress,
				UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: &email}},
			}); err != nil {
				return err
			}
			for _, grp := range groupsOf(i) {
				if _, err := e.Cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &e.Pool.ID, Username: &email, GroupName: aws.String(grp)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	truth := poolTruth(t, e)
	if len(truth) != exportUsers+1 {
		t.Fatalf("the pool holds %d users, want %d", len(truth), exportUsers+1)
	}

	gw := httptest.NewServer(e.Gateway)
	defer gw.Close()
	conf := filepath.Join(t.TempDir(), "conf")
	useradmin(t, conf, nil, "configure", "--api-url", gw.URL, "--region", local.Region, "--user-pool-id", e.Pool.ID,
		"--client-id", e.Pool.AdminClientID, "--cognito-endpoint", e.Emulator.Endpoint).want(t, 0, "configure")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")

	// counted runs useradmin and returns its output and the Cognito calls it caused.
	counted := func(args ...string) (string, map[string]int, int) {
		t.Helper()
		if err := e.Emulator.StartRecording(ctx); err != nil {
			t.Fatal(err)
		}
		out := useradmin(t, conf, nil, args...).want(t, 0, strings.Join(args, " "))
		calls, err := e.Emulator.CognitoCalls(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range calls {
			total += n
		}
		return out.stdout, calls, total
	}

	csvOut, calls, total := counted("users", "export")
	t.Logf("CSV export: %d users, %d Cognito calls (%.3f a user): %v", len(truth), total, float64(total)/float64(len(truth)), calls)
	if per := float64(total) / float64(len(truth)); per > maxCallsPerUser {
		t.Errorf("CSV export: %d Cognito calls for %d users (%.3f a user), want at most %.2f: %v", total, len(truth), per, maxCallsPerUser, calls)
	}
	if calls["ListUsers"] == 0 || calls["ListUsersInGroup"] == 0 || calls["AdminGetUser"] == 0 {
		t.Errorf("the recording misses the export's reads (is moto's recorder working?): %v", calls)
	}
	recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "email,status,enabled,groups,createdAt,updatedAt" {
		t.Fatalf("header %v", recs[0])
	}
	exported := map[string][]string{}
	for _, rec := range recs[1:] {
		if _, dup := exported[rec[0]]; dup {
			t.Errorf("%s exported twice", rec[0])
		}
		exported[rec[0]] = []string{}
		if rec[3] != "" {
			exported[rec[0]] = strings.Split(rec[3], ";")
		}
	}
	want := map[string][]string{}
	for email, u := range truth {
		want[email] = u.Groups
	}
	if !maps.EqualFunc(exported, want, slices.Equal) {
		for email, g := range want {
			if !slices.Equal(exported[email], g) {
				t.Errorf("%s: exported groups %q, the pool says %q", email, exported[email], g)
			}
		}
		t.Fatalf("the CSV export (%d users) is not the pool (%d users)", len(exported), len(want))
	}

	jsonl, calls, total := counted("users", "export", "--format", "jsonl")
	if per := float64(total) / float64(len(truth)); per > maxCallsPerUser {
		t.Errorf("JSON Lines export: %d Cognito calls for %d users (%.3f a user), want at most %.2f: %v", total, len(truth), per, maxCallsPerUser, calls)
	}
	// The whole user objects: as the API answers them with their groups.
	listed := listWithGroups(t, e, gw.URL)
	lines := strings.Split(strings.TrimSpace(jsonl), "\n")
	if len(lines) != len(truth) {
		t.Fatalf("JSON Lines export: %d lines for %d users", len(lines), len(truth))
	}
	for _, l := range lines {
		var u map[string]any
		if err := json.Unmarshal([]byte(l), &u); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		email, _ := u["email"].(string)
		api, ok := listed[email]
		if !ok {
			t.Fatalf("%s is exported but not listed", email)
		}
		// GET /users?groups=true shows all groups; the export the managed ones.
		api["groups"] = managedOnly(api["groups"])
		if g, _ := json.Marshal(u); string(g) != string(mustJSON(t, api)) {
			t.Errorf("exported %s\nGET /users?groups=true %s", g, mustJSON(t, api))
		}
		if got := managedOnly(u["groups"]); !slices.Equal(toStrings(got), truth[email].Groups) {
			t.Errorf("%s: groups %v, the pool says %v", email, u["groups"], truth[email].Groups)
		}
	}

	// One page of users without their groups is the live check and one ListUsers.
	_, calls, total = counted("users", "list", "--no-groups", "--limit", "60")
	if total > 3 {
		t.Errorf("a page of 60 without groups cost %d Cognito calls: %v", total, calls)
	}
}

// truthUser is what the pool itself says of a user: read straight from the emulator.
type truthUser struct {
	Username string
	Groups   []string // managed ones, sorted
}

var exportManaged = []string{"admins", "ops", "staff"}

func poolTruth(t *testing.T, e *local.Env) map[string]truthUser {
	t.Helper()
	ctx := context.Background()
	truth := map[string]truthUser{}
	p := cip.NewListUsersPaginator(e.Cognito, &cip.ListUsersInput{UserPoolId: &e.Pool.ID})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.Users {
			email := ""
			for _, a := range u.Attributes {
				if aws.ToString(a.Name) == "email" {
					email = aws.ToString(a.Value)
				}
			}
			gs, err := e.Cognito.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &e.Pool.ID, Username: u.Username})
			if err != nil {
				t.Fatal(err)
			}
			groups := []string{}
			for _, g := range gs.Groups {
				if slices.Contains(exportManaged, aws.ToString(g.GroupName)) {
					groups = append(groups, aws.ToString(g.GroupName))
				}
			}
			slices.Sort(groups)
			truth[email] = truthUser{Username: aws.ToString(u.Username), Groups: groups}
		}
	}
	return truth
}

// listWithGroups reads every user through GET /users?groups=true, the way
// an export read groups before: the user objects the export must equal.
func listWithGroups(t *testing.T, e *local.Env, apiURL string) map[string]map[string]any {
	t.Helper()
	tok, err := e.AdminIDToken(context.Background(), adminEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]map[string]any{}
	q := url.Values{"groups": {"true"}, "limit": {"60"}}
	for range 100 {
		req, _ := http.NewRequest(http.MethodGet, apiURL+"/users?"+q.Encode(), nil)
		req.Header.Set("Authorization", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Users     []map[string]any `json:"users"`
			NextToken string           `json:"nextToken"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /users: %d %v", resp.StatusCode, err)
		}
		for _, u := range page.Users {
			users[u["email"].(string)] = u
		}
		if page.NextToken == "" {
			return users
		}
		q.Set("nextToken", page.NextToken)
	}
	t.Fatal("GET /users paging does not end")
	return nil
}

func managedOnly(v any) []any {
	out := []any{}
	for _, g := range toStrings(v) {
		if slices.Contains(exportManaged, g) {
			out = append(out, g)
		}
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
