package importfile_test

import (
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/handler"
	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// An import refuses, before sending, the rows the caller's roles may not
// create: by the API's rules, so a dry run (and a preview) shows them refused already.
func TestCheckAccess(t *testing.T) {
	tenant := append(access.UserPermissions(), access.GroupsAssign)
	p, err := access.NewPolicy([]access.Role{
		{Name: "admins", Permissions: access.AllPermissions()},
		{Name: "helpdesk", Permissions: []access.Permission{access.UsersRead, access.UsersInvite}},
		{Name: "tenant-a-admins", Permissions: tenant, Scope: []string{"tenant-a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	csv := "email,groups,sendInvitation\n" +
		"a@example.com,,\n" + // line 2
		"b@example.com,tenant-a,\n" + // 3
		"c@example.com,tenant-b,\n" + // 4
		"d@example.com,admins,\n" + // 5
		"e@example.com,admins,false\n" // 6
	for _, tc := range []struct {
		role string
		want map[int]string // code by line; absent: valid
	}{
		{"admins", map[int]string{6: "NotPermitted"}},
		{"helpdesk", map[int]string{2: "NotPermitted", 3: "NotPermitted", 4: "NotPermitted", 5: "NotPermitted", 6: "NotPermitted"}},
		{"tenant-a-admins", map[int]string{4: "NotPermitted", 5: "NotPermitted", 6: "NotPermitted"}},
	} {
		rows, err := importfile.Parse([]byte(csv), importfile.CSV, handler.CreateRules, importfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		importfile.CheckAccess(rows, p.Grant([]string{tc.role}))
		for _, r := range rows {
			if r.Code != tc.want[r.Line] {
				t.Errorf("%s, line %d: code %q (%s), want %q", tc.role, r.Line, r.Code, r.Message, tc.want[r.Line])
			}
		}
	}
}
