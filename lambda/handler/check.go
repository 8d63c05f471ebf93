package handler

import "errors"

// The exported names below let a client (the bulk import of useradmin) check
// a create request with the very code POST /users runs, before sending it.
// Rules that need the deployment's settings are left to the caller: the
// managed groups through CheckManagedGroups, the password policy to the API.

// CreateFields are the fields of a create request as a client holds them; nil means absent.
type CreateFields struct {
	Email, TemporaryPassword *string
	SendInvitation           *bool
	Groups                   []string
}

// CreateRequest is a create request that passed the API's own checks.
type CreateRequest struct {
	Email             string // normalised
	TemporaryPassword *string
	SendInvitation    bool
	Groups            []string // sorted, without duplicates
}

// DecodeCreateJSON decodes one JSON create body by the API's rules: unknown,
// repeated or mistyped fields are refused, and null counts as absent.
func DecodeCreateJSON(body []byte) (CreateFields, error) {
	f, err := decodeJSON(body)
	return CreateFields{Email: f.email, TemporaryPassword: f.temporaryPassword, SendInvitation: f.sendInvitation, Groups: f.groups}, err
}

// CheckCreate applies the rules of POST /users that need no deployment settings.
func CheckCreate(f CreateFields) (CreateRequest, error) {
	r, err := createFields{email: f.Email, temporaryPassword: f.TemporaryPassword, sendInvitation: f.SendInvitation, groups: f.Groups}.validate()
	return CreateRequest{Email: r.email, TemporaryPassword: r.temporaryPassword, SendInvitation: r.sendInvitation, Groups: r.groups}, err
}

// CheckManagedGroups refuses the first group that is not managed, as POST /users does.
func CheckManagedGroups(groups []string, managed func(string) bool) error {
	for _, g := range groups {
		if !managed(g) {
			return groupNotManaged(g)
		}
	}
	return nil
}

// ErrorCode returns the API's status and error code for an error of the
// functions above, or 0 and "" for any other error.
func ErrorCode(err error) (status int, code string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.code
	}
	return 0, ""
}

// ErrorMessage returns the message the API would answer err with.
func ErrorMessage(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.message
	}
	return err.Error()
}
