package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// EnvSCIM is the SCIM endpoint's settings as JSON; absent means SCIM is off.
const EnvSCIM = "SCIM"

// SCIM delete modes: what DELETE /scim/v2/Users/{id} does.
const (
	SCIMDelete  = "delete"
	SCIMDisable = "disable"
)

// SCIMExternalIDAttribute is the custom attribute (without "custom:") that
// holds a SCIM user's externalId: the IdP's own id for the person, which
// Cognito has no standard attribute for.
const SCIMExternalIDAttribute = "scim_external_id"

// SCIMExternalIDMaxLength is the attribute's declared length, Cognito's
// longest custom string.
const SCIMExternalIDMaxLength = 2048

// SCIM configures the /scim/v2 endpoint through which an identity provider
// (Okta, Entra ID) provisions users. The IdP is a principal of its own: it
// acts as Role, with that role's permissions and scope, never as an admin.
type SCIM struct {
	Enabled bool `json:"enabled"`
	// ClientID is the Cognito app client whose client-credentials access
	// tokens may call SCIM (the client_id claim); empty: that way is off.
	ClientID string `json:"clientId,omitempty"`
	// Bearer says the long-lived bearer token (its hash in Secrets Manager,
	// checked by the SCIM authorizer) may call SCIM.
	Bearer bool `json:"bearer,omitempty"`
	// Role is the admin group whose permissions and scope the IdP acts with.
	Role string `json:"role"`
	// IdPName names the IdP in audit records and events (e.g. "okta").
	IdPName string `json:"idpName"`
	// DeleteMode is SCIMDelete or SCIMDisable.
	DeleteMode string `json:"deleteMode"`
	// Invite sends Cognito's invitation email to a user the IdP creates;
	// false where the IdP federates sign-in and no password is wanted.
	Invite bool `json:"invite,omitempty"`
	// AllowRoleGroups lets the IdP see and change membership of role groups
	// (admin groups); by default it sees the other managed groups only.
	AllowRoleGroups bool `json:"allowRoleGroups,omitempty"`
}

// Validate reports SCIM settings the Lambda could not enforce, against the
// deployment's admin groups (Role must be one of them).
func (c SCIM) Validate(adminGroups []string) error {
	if !c.Enabled {
		return nil
	}
	if c.ClientID == "" && !c.Bearer {
		return fmt.Errorf("SCIM is enabled with neither a client id nor the bearer token: nobody could call it")
	}
	if !slices.Contains(adminGroups, c.Role) {
		return fmt.Errorf("SCIM role %q is not one of the admin groups (%s)", c.Role, strings.Join(adminGroups, ", "))
	}
	if strings.TrimSpace(c.IdPName) == "" || c.IdPName != strings.TrimSpace(c.IdPName) {
		return fmt.Errorf("SCIM needs an IdP name without surrounding spaces, to name it in the audit trail")
	}
	if c.DeleteMode != SCIMDelete && c.DeleteMode != SCIMDisable {
		return fmt.Errorf("SCIM delete mode %q is neither %q nor %q", c.DeleteMode, SCIMDelete, SCIMDisable)
	}
	return nil
}

func (s Settings) encodeSCIM(env map[string]string) {
	if !s.SCIM.Enabled {
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s.SCIM) // strings and booleans: cannot fail
	env[EnvSCIM] = string(bytes.TrimSpace(b.Bytes()))
}

func (s *Settings) decodeSCIM(getenv func(string) string) error {
	v := getenv(EnvSCIM)
	if v == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s.SCIM); err != nil {
		return fmt.Errorf("%s: %v", EnvSCIM, err)
	}
	if !s.SCIM.Enabled {
		return fmt.Errorf("%s: set but not enabled; leave it out to turn SCIM off", EnvSCIM)
	}
	if err := s.SCIM.Validate(s.AdminGroups); err != nil {
		return fmt.Errorf("%s: %w", EnvSCIM, err)
	}
	return nil
}
