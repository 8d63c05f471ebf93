package settings

import (
	"fmt"
	"strings"
)

// SCIM's variables (docs/scim.md); absent, or SCIM_ENABLED not "true", means no SCIM.
const (
	EnvSCIMEnabled         = "SCIM_ENABLED"
	EnvSCIMClientID        = "SCIM_CLIENT_ID"
	EnvSCIMBearer          = "SCIM_BEARER"
	EnvSCIMRole            = "SCIM_ROLE"
	EnvSCIMIdPName         = "SCIM_IDP_NAME"
	EnvSCIMDeleteMode      = "SCIM_DELETE_MODE"
	EnvSCIMInvite          = "SCIM_INVITE"
	EnvSCIMAllowRoleGroups = "SCIM_ALLOW_ROLE_GROUPS"
)

// SCIM delete modes: what DELETE /scim/v2/Users/{id} does.
const (
	SCIMDelete  = "delete"
	SCIMDisable = "disable"
)

// SCIM is how an identity provider provisions users through /scim/v2.
type SCIM struct {
	// Enabled serves /scim/v2.
	Enabled bool
	// ClientID is the app client whose client-credentials access tokens
	// may call /scim/v2 (their client_id claim); empty when that way in is off.
	ClientID string
	// Bearer is on when a long-lived bearer token, checked by the SCIM
	// authorizer against the hash in Secrets Manager, may call /scim/v2.
	Bearer bool
	// Role is the admin group whose permissions and scope the SCIM principal has.
	Role string
	// IdPName names the identity provider as the actor in audit records ("okta").
	IdPName string
	// DeleteMode is SCIMDelete or SCIMDisable.
	DeleteMode string
	// Invite sends Cognito's invitation to a user SCIM creates; off where
	// the IdP federates sign-in.
	Invite bool
	// AllowRoleGroups lets the IdP push the roles' groups, not only the other managed groups.
	AllowRoleGroups bool
}

// encodeSCIM adds SCIM's variables to env when it is enabled.
func (s Settings) encodeSCIM(env map[string]string) {
	if !s.SCIM.Enabled {
		return
	}
	c := s.SCIM
	env[EnvSCIMEnabled] = "true"
	if c.ClientID != "" {
		env[EnvSCIMClientID] = c.ClientID
	}
	env[EnvSCIMBearer] = fmt.Sprint(c.Bearer)
	env[EnvSCIMRole] = c.Role
	env[EnvSCIMIdPName] = c.IdPName
	env[EnvSCIMDeleteMode] = c.DeleteMode
	env[EnvSCIMInvite] = fmt.Sprint(c.Invite)
	env[EnvSCIMAllowRoleGroups] = fmt.Sprint(c.AllowRoleGroups)
}

// decodeSCIM reads what encodeSCIM wrote, refusing a SCIM principal that
// could not act: no way in, or a role that is not an admin group.
func (s *Settings) decodeSCIM(getenv func(string) string) error {
	on, err := parseBool(EnvSCIMEnabled, getenv(EnvSCIMEnabled))
	if err != nil || !on {
		return err
	}
	c := SCIM{
		Enabled:    true,
		ClientID:   strings.TrimSpace(getenv(EnvSCIMClientID)),
		Role:       strings.TrimSpace(getenv(EnvSCIMRole)),
		IdPName:    strings.TrimSpace(getenv(EnvSCIMIdPName)),
		DeleteMode: strings.TrimSpace(getenv(EnvSCIMDeleteMode)),
	}
	for _, b := range []struct {
		name string
		into *bool
	}{{EnvSCIMBearer, &c.Bearer}, {EnvSCIMInvite, &c.Invite}, {EnvSCIMAllowRoleGroups, &c.AllowRoleGroups}} {
		if *b.into, err = parseBool(b.name, getenv(b.name)); err != nil {
			return err
		}
	}
	switch {
	case c.ClientID == "" && !c.Bearer:
		return fmt.Errorf("%s is true but neither %s nor %s is set: nobody could call /scim/v2", EnvSCIMEnabled, EnvSCIMClientID, EnvSCIMBearer)
	case !s.IsAdminGroup(c.Role):
		return fmt.Errorf("%s: %q is not one of the admin groups (%s)", EnvSCIMRole, c.Role, EnvAdminGroups)
	case c.IdPName == "":
		return fmt.Errorf("%s is not set: audit records name the identity provider", EnvSCIMIdPName)
	case c.DeleteMode != SCIMDelete && c.DeleteMode != SCIMDisable:
		return fmt.Errorf("%s: %q is not %s or %s", EnvSCIMDeleteMode, c.DeleteMode, SCIMDelete, SCIMDisable)
	}
	s.SCIM = c
	return nil
}
