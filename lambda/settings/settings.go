// Package settings is the contract between the infrastructure and the Lambda:
// the infra encodes a Settings into the function's environment, the Lambda
// (and the local gateway) decode it. Keeping both sides here means a renamed
// variable breaks a test, not a deployment.
package settings

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// Environment variable names read by the Lambda.
const (
	EnvUserPoolID        = "USER_POOL_ID"
	EnvAdminGroups       = "ADMIN_GROUPS"
	EnvManagedGroups     = "MANAGED_GROUPS"
	EnvAllowedOrigins    = "ALLOWED_ORIGINS"
	EnvPasswordMinLength = "PASSWORD_MIN_LENGTH"
	EnvPasswordRequire   = "PASSWORD_REQUIRE"
	EnvAPIClientIDs      = "API_CLIENT_IDS"
)

// Settings is everything the Lambda needs to know about its deployment.
type Settings struct {
	// UserPoolID is the pool every operation acts on.
	UserPoolID string
	// AdminGroups: a caller is an admin when its cognito:groups claim holds one of these.
	AdminGroups []string
	// ManagedGroups are the groups admins may put users in or take them out of.
	ManagedGroups []string
	// AllowedOrigins are the CORS origins answered with Access-Control-Allow-Origin.
	AllowedOrigins []string
	// Password is the pool's password policy, so a given temporary password
	// is refused with a precise message before Cognito sees it.
	Password PasswordPolicy
	// APIClientIDs are the app clients whose ID tokens may call the API
	// (their aud claim); by default only the admin client's.
	APIClientIDs []string
	// CustomAttributes are the pool's custom attributes that admins may set.
	CustomAttributes []CustomAttribute
	// Roles declares the admin groups with fewer than every permission or
	// with a scope; see Policy.
	Roles []access.Role
	// AdminMFARequired refuses administrators whose account has no TOTP set up.
	AdminMFARequired bool
	// AuditTable is the DynamoDB table of audit records; empty means none.
	AuditTable string
	// AuditRetentionDays is how long records are kept (their TTL); 0 keeps them.
	AuditRetentionDays int
	// SCIM is the identity provider's way in (/scim/v2); zero means none.
	SCIM SCIM
}

// PasswordPolicy mirrors the user pool's password policy.
type PasswordPolicy struct {
	MinLength        int
	RequireLowercase bool
	RequireUppercase bool
	RequireDigits    bool
	RequireSymbols   bool
}

// DefaultPasswordPolicy is the product's default: 12+ characters with all four classes.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 12, RequireLowercase: true, RequireUppercase: true, RequireDigits: true, RequireSymbols: true}
}

// Cognito's own bounds for a password policy and a password.
const (
	MinPasswordLength = 6
	MaxPasswordLength = 99
	// MaxPassword is the longest password Cognito accepts at all.
	MaxPassword = 256
)

// Validate reports a policy Cognito would refuse.
func (p PasswordPolicy) Validate() error {
	if p.MinLength < MinPasswordLength || p.MinLength > MaxPasswordLength {
		return fmt.Errorf("MinLength must be between %d and %d, got %d", MinPasswordLength, MaxPasswordLength, p.MinLength)
	}
	return nil
}

// symbols is Cognito's list of characters that count as symbols.
const symbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

// Check returns nil when password satisfies the policy, or an error whose
// message names the first rule it breaks. The message never contains the password.
func (p PasswordPolicy) Check(password string) error {
	n := len([]rune(password))
	if n < p.MinLength {
		return fmt.Errorf("must be at least %d characters long", p.MinLength)
	}
	if n > MaxPassword {
		return fmt.Errorf("must be at most %d characters long", MaxPassword)
	}
	var lower, upper, digit, symbol bool
	for _, r := range password {
		switch {
		case r > unicode.MaxASCII:
			// Cognito counts only the basic Latin classes; other characters are allowed but count for none.
		case 'a' <= r && r <= 'z':
			lower = true
		case 'A' <= r && r <= 'Z':
			upper = true
		case '0' <= r && r <= '9':
			digit = true
		case strings.ContainsRune(symbols, r):
			symbol = true
		}
	}
	switch {
	case p.RequireLowercase && !lower:
		return fmt.Errorf("must contain a lowercase letter")
	case p.RequireUppercase && !upper:
		return fmt.Errorf("must contain an uppercase letter")
	case p.RequireDigits && !digit:
		return fmt.Errorf("must contain a digit")
	case p.RequireSymbols && !symbol:
		return fmt.Errorf("must contain a symbol")
	}
	if password != strings.TrimSpace(password) {
		return fmt.Errorf("must not begin or end with a space")
	}
	// Nobody can type these at sign-in, and most are invisible where the password is shown.
	// The zero-width joiner is left: it is part of emoji a keyboard types.
	if strings.IndexFunc(password, unicode.IsControl) >= 0 {
		return fmt.Errorf("must not contain control characters")
	}
	if strings.IndexFunc(password, func(r rune) bool { return unicode.Is(unicode.Cf, r) && r != '\u200d' }) >= 0 {
		return fmt.Errorf("must not contain invisible formatting characters")
	}
	return nil
}

// Env encodes s as the Lambda's environment variables.
func (s Settings) Env() map[string]string {
	var req []string
	for _, c := range []struct {
		on   bool
		name string
	}{{s.Password.RequireLowercase, "lowercase"}, {s.Password.RequireUppercase, "uppercase"}, {s.Password.RequireDigits, "digits"}, {s.Password.RequireSymbols, "symbols"}} {
		if c.on {
			req = append(req, c.name)
		}
	}
	env := map[string]string{
		EnvUserPoolID:        s.UserPoolID,
		EnvAdminGroups:       strings.Join(s.AdminGroups, ","),
		EnvManagedGroups:     strings.Join(s.ManagedGroups, ","),
		EnvAllowedOrigins:    strings.Join(s.AllowedOrigins, ","),
		EnvPasswordMinLength: strconv.Itoa(s.Password.MinLength),
		EnvPasswordRequire:   strings.Join(req, ","),
		EnvAPIClientIDs:      strings.Join(s.APIClientIDs, ","),
	}
	// Only when declared, so a deployment without custom attributes has no such variable.
	if a := encodeAttributes(s.CustomAttributes); a != "" {
		env[EnvCustomAttributes] = a
	}
	if r := encodeRoles(s.Roles); r != "" {
		env[EnvRoles] = r
	}
	if s.AdminMFARequired {
		env[EnvAdminMFARequired] = "true"
	}
	s.encodeAudit(env)
	s.encodeSCIM(env)
	return env
}

// FromEnv decodes the settings written by Env. getenv is os.Getenv in the
// Lambda and a template's variables in local mode.
func FromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{
		UserPoolID:     strings.TrimSpace(getenv(EnvUserPoolID)),
		AdminGroups:    list(getenv(EnvAdminGroups)),
		ManagedGroups:  list(getenv(EnvManagedGroups)),
		AllowedOrigins: list(getenv(EnvAllowedOrigins)),
		APIClientIDs:   list(getenv(EnvAPIClientIDs)),
	}
	if s.UserPoolID == "" {
		return s, fmt.Errorf("%s is not set", EnvUserPoolID)
	}
	if len(s.AdminGroups) == 0 {
		return s, fmt.Errorf("%s is not set: without an admin group nobody could call the API", EnvAdminGroups)
	}
	if len(s.APIClientIDs) == 0 {
		return s, fmt.Errorf("%s is not set: without an allowed client nobody could call the API", EnvAPIClientIDs)
	}
	// Checked again here, though the CDK config refuses them, because a group
	// named "[admins]" would otherwise pass the claim check as admins.
	for _, env := range []struct {
		name   string
		groups []string
	}{{EnvAdminGroups, s.AdminGroups}, {EnvManagedGroups, s.ManagedGroups}} {
		for _, g := range env.groups {
			if HasGroupClaimSyntax(g) {
				return s, fmt.Errorf("%s: group %q holds a character the group claim uses as syntax (brackets, double quotes, commas or whitespace)", env.name, g)
			}
		}
	}
	n, err := strconv.Atoi(getenv(EnvPasswordMinLength))
	if err != nil {
		return s, fmt.Errorf("%s: %q is not a number", EnvPasswordMinLength, getenv(EnvPasswordMinLength))
	}
	s.Password.MinLength = n
	for _, r := range list(getenv(EnvPasswordRequire)) {
		switch r {
		case "lowercase":
			s.Password.RequireLowercase = true
		case "uppercase":
			s.Password.RequireUppercase = true
		case "digits":
			s.Password.RequireDigits = true
		case "symbols":
			s.Password.RequireSymbols = true
		default:
			return s, fmt.Errorf("%s: unknown requirement %q", EnvPasswordRequire, r)
		}
	}
	if err := s.Password.Validate(); err != nil {
		return s, fmt.Errorf("password policy: %w", err)
	}
	if s.CustomAttributes, err = decodeAttributes(getenv(EnvCustomAttributes)); err != nil {
		return s, err
	}
	if s.Roles, err = decodeRoles(getenv(EnvRoles)); err != nil {
		return s, err
	}
	if _, err := s.Policy(); err != nil {
		return s, fmt.Errorf("%s: %w", EnvRoles, err)
	}
	if s.AdminMFARequired, err = parseBool(EnvAdminMFARequired, getenv(EnvAdminMFARequired)); err != nil {
		return s, err
	}
	if err := s.decodeAudit(getenv); err != nil {
		return s, err
	}
	if err := s.decodeSCIM(getenv); err != nil {
		return s, err
	}
	return s, nil
}

// HasGroupClaimSyntax reports whether a group name holds a character the
// cognito:groups claim is written with ("[a b]", "a,b", ["a"]): such a name
// could be read as another group, or as two.
func HasGroupClaimSyntax(g string) bool {
	return strings.ContainsAny(g, `[]",`) || strings.IndexFunc(g, unicode.IsSpace) >= 0
}

// IsAdminGroup reports whether g is one of the admin groups: a role.
func (s Settings) IsAdminGroup(g string) bool { return slices.Contains(s.AdminGroups, g) }

// IsAPIClient reports whether tokens issued to the app client id may call the API.
func (s Settings) IsAPIClient(id string) bool { return slices.Contains(s.APIClientIDs, id) }

// IsManagedGroup reports whether admins may manage membership of g.
func (s Settings) IsManagedGroup(g string) bool { return slices.Contains(s.ManagedGroups, g) }

func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
