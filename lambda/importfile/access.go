package importfile

import (
	"errors"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// CheckAccess refuses, before anything is sent, the valid rows the
// caller's roles may not create, by the API's own rules (lambda/access): a
// helpdesk may create nobody, a tenant admin nobody in another tenant or in
// a role, and nobody a role holder with a chosen or unsent temporary
// password. Each refused row gets the API's code and message. The CLI's
// import (and dry run) passes the grant it rebuilds from GET /me; the
// preview route passes the caller's live grant.
func CheckAccess(rows []Row, g access.Grant) {
	for i := range rows {
		r := &rows[i]
		if !r.Valid() {
			continue
		}
		send := r.Create.SendInvitation == nil || *r.Create.SendInvitation
		_, err := g.Create(access.CreateRequest{Groups: r.Create.Groups, ChosenPassword: r.Create.TemporaryPassword != nil, SendInvitation: send})
		var ref *access.Refusal
		if errors.As(err, &ref) {
			r.Code, r.Message = ref.Code, ref.Message
		}
	}
}
