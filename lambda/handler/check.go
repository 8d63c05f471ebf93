package handler

import (
	"errors"

	"github.com/useradmin/cognito-user-admin/lambda/importfile"
)

// CreateRules are the rules of POST /users that need no deployment
// settings, for the bulk-import rules (lambda/importfile) that the
// useradmin CLI's import and the preview route apply to every row. Rules
// that need the deployment's settings are left to the caller: the managed
// groups (importfile.Options.Managed), the password policy to the API.
var CreateRules importfile.Rules = createRules{}

type createRules struct{}

func (createRules) Check(f importfile.Fields) (importfile.Create, error) {
	r, err := createFields{email: f.Email, temporaryPassword: f.TemporaryPassword, sendInvitation: f.SendInvitation, groups: f.Groups}.validate()
	if err != nil {
		return importfile.Create{}, err
	}
	return importfile.Create{Email: r.email, TemporaryPassword: r.temporaryPassword, SendInvitation: f.SendInvitation, Groups: r.groups}, nil
}

func (createRules) DecodeJSON(body []byte) (importfile.Fields, error) {
	f, err := decodeJSON(body)
	return importfile.Fields{Email: f.email, TemporaryPassword: f.temporaryPassword, SendInvitation: f.sendInvitation, Groups: f.groups}, err
}

func (createRules) NotManaged(group string) error { return groupNotManaged(group) }

func (createRules) Refusal(err error) (code, message string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code, ae.message
	}
	return "", ""
}

// checkManagedGroups refuses the first group that is not managed.
func checkManagedGroups(groups []string, managed func(string) bool) error {
	for _, g := range groups {
		if !managed(g) {
			return groupNotManaged(g)
		}
	}
	return nil
}
