package handler

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestRoleGrantRotatesTheCredential: a new holder of a role holds it only
// with a credential their mailbox holds, so a password an admin chose before
// the grant (after demoting them, say) cannot be used to sign in as them.
func TestRoleGrantRotatesTheCredential(t *testing.T) {
	t.Run("confirmed: a reset code by email, sessions ended", func(t *testing.T) {
		hs := newHarness(t)
		u := hs.fake.users["active@example.com"]
		u.password = "Chosen-by-an-admin-1"
		resp := hs.do(t, groupEvent("PUT", "active@example.com", "admins"))
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("grant: %d %s", resp.StatusCode, resp.Body)
		}
		if m := hs.fake.methods(); !isSubsequence(m, "AdminAddUserToGroup", "AdminResetUserPassword", "AdminUserGlobalSignOut") {
			t.Errorf("calls %v: want the grant, then a reset, then the sign-out", m)
		}
		if u.status != types.UserStatusTypeResetRequired || !u.groups["admins"] {
			t.Errorf("user status %s, groups %v", u.status, u.groups)
		}
	})
	t.Run("invitation pending: a new temporary password, emailed", func(t *testing.T) {
		hs := newHarness(t)
		u := hs.fake.users["pending@example.com"]
		u.password = "Chosen-by-an-admin-1"
		resp := hs.do(t, groupEvent("PUT", "pending@example.com", "admins"))
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("grant: %d %s", resp.StatusCode, resp.Body)
		}
		set, _ := hs.fake.lastInput("AdminSetUserPassword").(*cip.AdminSetUserPasswordInput)
		resend, _ := hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput)
		if set == nil || set.Permanent || resend == nil || resend.MessageAction != types.MessageActionTypeResend ||
			aws.ToString(resend.TemporaryPassword) != aws.ToString(set.Password) || !slices.Equal(resend.DesiredDeliveryMediums, []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}) {
			t.Fatalf("set %+v, resend %+v: want a generated temporary password, emailed", set, resend)
		}
		if u.password == "Chosen-by-an-admin-1" || !slices.Contains(hs.fake.methods(), "AdminUserGlobalSignOut") {
			t.Errorf("the chosen password survived the grant, or sessions were not ended: %v", hs.fake.methods())
		}
	})
	t.Run("already a holder, or not a role: nothing rotated", func(t *testing.T) {
		for _, c := range []struct{ email, group string }{{"admin@example.com", "admins"}, {"active@example.com", "support"}, {"pending@example.com", "support"}} {
			hs := newHarness(t)
			resp := hs.do(t, groupEvent("PUT", c.email, c.group))
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("%s to %s: %d %s", c.email, c.group, resp.StatusCode, resp.Body)
			}
			for _, m := range []string{"AdminResetUserPassword", "AdminSetUserPassword", "AdminUserGlobalSignOut"} {
				if slices.Contains(hs.fake.methods(), m) {
					t.Errorf("%s to %s called %s", c.email, c.group, m)
				}
			}
		}
	})
	t.Run("a rotation that fails takes the grant back", func(t *testing.T) {
		hs := newHarness(t)
		hs.fake.errs["AdminResetUserPassword"] = errors.New("boom")
		resp := hs.do(t, groupEvent("PUT", "active@example.com", "admins"))
		if resp.StatusCode < 500 {
			t.Fatalf("grant with a failed reset: %d %s", resp.StatusCode, resp.Body)
		}
		if hs.fake.users["active@example.com"].groups["admins"] {
			t.Error("the role stayed with a credential the caller may know")
		}
	})
}

// isSubsequence reports whether want appear in got in this order.
func isSubsequence(got []string, want ...string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
