package infra

import (
	"regexp"
	"slices"
	"strings"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// SCIM's two ways in (Config.SCIM.Auth).
const (
	// SCIMClientCredentials: OAuth 2.0 client credentials from the SCIM app
	// client (with a secret), its access token holding scim/provision.
	SCIMClientCredentials = "client_credentials"
	// SCIMBearer: a long-lived bearer token (Entra ID's "Secret Token",
	// Okta's HTTP header), its SHA-256 hash in Secrets Manager.
	SCIMBearer = "bearer"
)

// scimExternalIDAttribute is the custom attribute holding a SCIM user's
// externalId, declared when SCIM is on: the one the Lambda reads and writes.
// Adding a custom attribute updates a pool in place; it can never be removed
// again without replacing the pool, so turning SCIM off keeps it.
var scimExternalIDAttribute = settings.SCIMExternalID

// SCIM serves /scim/v2 to an identity provider (docs/scim.md).
type SCIM struct {
	// Auth lists the ways in: SCIMClientCredentials, SCIMBearer, or both.
	Auth []string
	// Role is the admin group (one of Roles) whose permissions and scope
	// the identity provider acts with.
	Role string
	// IdPName names the identity provider as the actor in audit records
	// and events, e.g. "okta" or "entra".
	IdPName string
	// DeleteMode is what a SCIM DELETE does to a user: "delete", or only "disable".
	DeleteMode string
	// Invite sends Cognito's invitation email to the users SCIM creates;
	// false where the identity provider federates sign-in.
	Invite bool
	// AllowRoleGroups lets the identity provider push the roles' groups
	// (granting admin roles), not only ExtraGroups.
	AllowRoleGroups bool
	// DomainPrefix is the Cognito domain (https://<prefix>.auth.<region>.amazoncognito.com)
	// whose token endpoint issues client-credentials tokens, where
	// HostedUI gives the pool none. Empty: useradmin-<env>-<account id>,
	// unique per account as Cognito requires within a region.
	DomainPrefix string
}

// Has reports whether the way in auth is on.
func (s *SCIM) Has(auth string) bool { return s != nil && slices.Contains(s.Auth, auth) }

// tokenDomainPrefix is the prefix of the Cognito domain whose token
// endpoint the SCIM client uses: HostedUI's, else the SCIM's own, else
// one made from the account id (a deploy-time value).
func (c Config) tokenDomainPrefix(account string) string {
	switch {
	case c.HostedUI != nil:
		return c.HostedUI.DomainPrefix
	case c.SCIM.DomainPrefix != "":
		return c.SCIM.DomainPrefix
	}
	return "useradmin-" + c.Name + "-" + account
}

// poolCustomAttributes are the pool's custom attributes: the configured
// ones and, with SCIM, scim_external_id.
func (c Config) poolCustomAttributes() []settings.CustomAttribute {
	if c.SCIM == nil {
		return c.CustomAttributes
	}
	return append(slices.Clone(c.CustomAttributes), scimExternalIDAttribute)
}

var idpNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// validateSCIM reports every problem in c.SCIM.
func (c Config) validateSCIM(bad func(field, format string, args ...any)) {
	s := c.SCIM
	if s == nil {
		return
	}
	if len(s.Auth) == 0 {
		bad("SCIM.Auth", "at least one of %s, %s is needed, or nobody can call /scim/v2", SCIMClientCredentials, SCIMBearer)
	}
	seen := map[string]bool{}
	for _, a := range s.Auth {
		if a != SCIMClientCredentials && a != SCIMBearer {
			bad("SCIM.Auth", "%q is not one of %s, %s", a, SCIMClientCredentials, SCIMBearer)
		}
		if seen[a] {
			bad("SCIM.Auth", "%q is listed twice", a)
		}
		seen[a] = true
	}
	if !slices.Contains(c.AdminGroups(), s.Role) {
		bad("SCIM.Role", "%q is not one of Roles (%s): the identity provider acts with a role's permissions and scope", s.Role, strings.Join(c.AdminGroups(), ", "))
	}
	if !idpNameRe.MatchString(s.IdPName) {
		bad("SCIM.IdPName", "%q is not a short lower-case name (letters, digits, hyphens; up to 32), e.g. okta or entra", s.IdPName)
	}
	if s.DeleteMode != settings.SCIMDelete && s.DeleteMode != settings.SCIMDisable {
		bad("SCIM.DeleteMode", "%q is not %s or %s", s.DeleteMode, settings.SCIMDelete, settings.SCIMDisable)
	}
	for _, a := range c.CustomAttributes {
		if a.Name == scimExternalIDAttribute.Name {
			bad("CustomAttributes", "%q is SCIM's own attribute (externalId); remove it from CustomAttributes", a.Name)
		}
	}
	switch {
	case s.DomainPrefix != "" && c.HostedUI != nil:
		bad("SCIM.DomainPrefix", "HostedUI already gives the pool its domain (a pool has one prefix domain): leave SCIM.DomainPrefix empty")
	case s.DomainPrefix != "" && !s.Has(SCIMClientCredentials):
		bad("SCIM.DomainPrefix", "only client credentials use the domain's token endpoint; %s is not in SCIM.Auth", SCIMClientCredentials)
	case s.DomainPrefix != "" && !validDomainPrefix(s.DomainPrefix):
		bad("SCIM.DomainPrefix", "%q is not a valid Cognito domain prefix (lower-case letters, digits, hyphens; no aws, amazon or cognito)", s.DomainPrefix)
	}
}

func validDomainPrefix(p string) bool {
	return domainRe.MatchString(p) && !strings.Contains(p, "aws") && !strings.Contains(p, "amazon") && !strings.Contains(p, "cognito")
}
