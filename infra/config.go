// Package infra is the CDK app: typed per-environment configuration, one
// construct per file, and the stack that composes them.
package infra

import (
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// Config is one environment's configuration. Environments() holds the
// shipped values; edit them there.
type Config struct {
	// Name is dev, stg or prd; the stack is UserAdmin-<Name>.
	Name string
	// Account and Region pin the stack; empty means CDK_DEFAULT_ACCOUNT /
	// CDK_DEFAULT_REGION, and if those are unset too the stack is
	// environment-agnostic (synth still needs no credentials).
	Account, Region string

	// Retain keeps the user pool (RETAIN, deletion protection on) when the
	// stack or the resource is deleted. Always true in prd.
	Retain bool
	// LogRetentionDays for the Lambda's and the API's log groups; one of CloudWatch's allowed values.
	LogRetentionDays int

	// Throttle is the API stage's steady rate (requests per second) and burst.
	ThrottleRate  float64
	ThrottleBurst int
	// CORSOrigins allowed to call the API from a browser, besides the web
	// console (whose origin the stack puts first); empty and no console means no CORS.
	CORSOrigins []string

	Invitation Invitation
	// Email is how Cognito sends mail: its own sender (capped at 50 emails a
	// day per account) when nil, or SES.
	SES *SESSender
	// CognitoReplyTo is the reply-to address when Cognito's own sender is used.
	CognitoReplyTo string

	// MFA is "off", "optional-totp" or "required-totp" (every user sets up
	// an authenticator app at first sign-in: the application must support it).
	MFA string
	// Password is the pool's policy; the Lambda checks given temporary passwords against the same value.
	Password settings.PasswordPolicy
	// TempPasswordValidityDays is how long an invitation's temporary password works (1 to 365).
	TempPasswordValidityDays int
	// FeaturePlan is LITE, ESSENTIALS or PLUS.
	FeaturePlan string
	// CustomAttributes are the pool's custom attributes, which admins set
	// with PATCH /users/{email}. Adding one later updates the pool in place;
	// removing or changing one would replace the pool (every user lost), so
	// the snapshot tests refuse that.
	CustomAttributes []settings.CustomAttribute

	// AllowPasswordAuth enables the client's plain username/password flow
	// (USER_PASSWORD_AUTH): handy for scripts in dev, off in prd where SRP is required.
	AllowPasswordAuth bool
	// Token lifetimes.
	AccessTokenMinutes, IDTokenMinutes, RefreshTokenDays int
	// HostedUI, when set, adds a Cognito domain and the OAuth code flow.
	HostedUI *HostedUI

	// The admin client's token lifetimes (the client `useradmin` signs in
	// through): short, so a stolen admin session is worth little.
	AdminAccessTokenMinutes, AdminIDTokenMinutes, AdminRefreshTokenHours int
	// AdminAPIClients names the clients whose ID tokens the admin API
	// accepts: "admin" (the admin client), "app" (the application's client).
	AdminAPIClients []string

	// Roles are the admin groups: members may call the API with the role's
	// permissions, within its scope (docs/roles.md). The stack creates each
	// group. The first role must hold every permission, unscoped: it is
	// where FirstAdminEmail goes, and without it nobody could grant every role.
	Roles []access.Role
	// AdminMFARequired refuses administrators whose account has no TOTP set
	// up (403 MFARequired), whatever the pool's MFA setting for other users.
	AdminMFARequired bool
	// ExtraGroups are further groups the stack creates and admins may
	// manage (with groups:assign): the groups that scopes name.
	ExtraGroups []string
	// FirstAdminEmail, when set, makes the stack create that user in the
	// first role; Cognito emails them a temporary password.
	FirstAdminEmail string

	// LambdaMemoryMB for the admin function.
	LambdaMemoryMB int

	// Operations (opsconfig.go; docs/operations.md).
	// Alarms, when set, creates the CloudWatch alarms and the SNS topic they notify.
	Alarms *Alarms
	// Tracing turns on X-Ray tracing for the API stage and the Lambda.
	Tracing bool
	// WAF, when set, puts an AWS WAF web ACL in front of the API stage.
	WAF *WAF

	// Audit is the audit table's retention, recovery and encryption (auditconfig.go).
	Audit AuditConfig

	// Console is the web console: on unless Disabled, with an optional
	// custom domain (consoleconfig.go).
	Console ConsoleConfig
	// SCIM, when set, serves /scim/v2 to an identity provider (scimconfig.go, docs/scim.md).
	SCIM *SCIM
}

// Invitation is the email Cognito sends a new user.
type Invitation struct {
	Subject string
	// Body must hold {username} and {####} (the temporary password).
	Body string
}

// SESSender sends Cognito's email through Amazon SES. An SES account in
// the sandbox delivers only to verified recipients: request production
// access before inviting real users (docs/deploying.md).
type SESSender struct {
	// FromEmail is the sender; FromName is optional. FromEmail is itself a
	// verified SES identity unless VerifiedDomain is set.
	FromEmail, FromName string
	// VerifiedDomain, when set, is the verified SES domain identity Cognito
	// sends through (most production senders verify the domain, not one
	// address); FromEmail must be an address on exactly that domain.
	VerifiedDomain string
	ReplyTo        string
	// ConfigurationSet is an SES configuration set name, optional.
	ConfigurationSet string
	// Region of the SES identity; defaults to the stack's region.
	Region string
}

// HostedUI configures a Cognito domain and the OAuth authorization-code flow.
type HostedUI struct {
	DomainPrefix string
	CallbackURLs []string
	LogoutURLs   []string
}

// ValidateEnvironments validates each environment, then where they go
// together: Account is set on every environment or on none, and so is
// Region. Account-wide settings (API Gateway's logging role, GitHub's OIDC
// provider) are owned by one stack per account (and region) as the configs
// name it; an environment left to the CLI's default next to one pinned could
// land in the pinned one's account under another name, and give the setting
// two owners.
func ValidateEnvironments(envs []Config) error {
	var errs []error
	for _, c := range envs {
		errs = append(errs, c.Validate())
	}
	for field, get := range map[string]func(Config) string{
		"Account": func(c Config) string { return c.Account },
		"Region":  func(c Config) string { return c.Region },
	} {
		var set, unset []string
		for _, c := range envs {
			if get(c) == "" {
				unset = append(unset, c.Name)
			} else {
				set = append(set, c.Name)
			}
		}
		if len(set) > 0 && len(unset) > 0 {
			errs = append(errs, fmt.Errorf("config %s: %s: set on %s but not on %s; set it on every environment or on none, "+
				"or an environment left to the CLI's default could share an account with a pinned one and give its account-wide settings two owners",
				strings.Join(unset, ", "), field, strings.Join(set, ", "), strings.Join(unset, ", ")))
		}
	}
	return errors.Join(errs...)
}

// StackName is the CloudFormation stack name for the environment.
func (c Config) StackName() string { return "UserAdmin-" + c.Name }

// AdminGroups are the roles' groups, in declaration order.
func (c Config) AdminGroups() []string {
	var out []string
	for _, r := range c.Roles {
		out = append(out, r.Name)
	}
	return out
}

// ManagedGroups are the groups admins may put users in: the roles' groups and the extra ones.
func (c Config) ManagedGroups() []string {
	return append(c.AdminGroups(), c.ExtraGroups...)
}

// limitedRoles are the roles the Lambda's settings must spell out: those
// with fewer than every permission, or a scope (a role the settings do not
// name holds every permission).
func (c Config) limitedRoles() []access.Role {
	var out []access.Role
	for _, r := range c.Roles {
		if r.Scoped() || len(r.Permissions) != len(access.AllPermissions()) {
			out = append(out, r)
		}
	}
	return out
}

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	domainRe  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	groupRe   = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$`)
)

// retentions are CloudWatch Logs' allowed retention periods, in days.
var retentions = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// logRetention is LogRetentionDays as CDK's enum; Validate has checked it.
func (c Config) logRetention() awslogs.RetentionDays { return retentions[c.LogRetentionDays] }

// Validate returns every problem in c, each naming its field, or nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: %s: %s", c.Name, field, fmt.Sprintf(format, args...)))
	}
	if !slices.Contains([]string{"dev", "stg", "prd"}, c.Name) {
		bad("Name", "%q is not one of dev, stg, prd", c.Name)
	}
	checkPlacement(bad, c.Account, c.Region)
	if c.Name == "prd" && !c.Retain {
		bad("Retain", "must be true in prd: deleting the stack must never delete the users")
	}
	if _, ok := retentions[c.LogRetentionDays]; !ok {
		days := slices.Sorted(maps.Keys(retentions))
		bad("LogRetentionDays", "%d is not a CloudWatch Logs retention (one of %v)", c.LogRetentionDays, days)
	}
	if c.ThrottleRate <= 0 {
		bad("ThrottleRate", "must be positive, got %v", c.ThrottleRate)
	}
	if c.ThrottleBurst < 1 || c.ThrottleBurst > 5000 {
		bad("ThrottleBurst", "must be between 1 and 5000, got %d", c.ThrottleBurst)
	}
	for _, o := range c.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			bad("CORSOrigins", "%q: %v", o, err)
		}
	}
	if strings.TrimSpace(c.Invitation.Subject) == "" || len(c.Invitation.Subject) > 140 {
		bad("Invitation.Subject", "must be 1 to 140 characters")
	}
	for _, ph := range []string{"{username}", "{####}"} {
		if !strings.Contains(c.Invitation.Body, ph) {
			bad("Invitation.Body", "must contain %s", ph)
		}
	}
	if len(c.Invitation.Body) > 20000 {
		bad("Invitation.Body", "longer than Cognito's 20,000 characters")
	}
	if c.SES != nil {
		if !isAddress(c.SES.FromEmail) {
			bad("SES.FromEmail", "%q is not an email address", c.SES.FromEmail)
		}
		if c.SES.ReplyTo != "" && !isAddress(c.SES.ReplyTo) {
			bad("SES.ReplyTo", "%q is not an email address", c.SES.ReplyTo)
		}
		if c.SES.Region != "" && !regionRe.MatchString(c.SES.Region) {
			bad("SES.Region", "%q is not an AWS region name", c.SES.Region)
		}
		if d := c.SES.VerifiedDomain; d != "" {
			_, host, _ := strings.Cut(c.SES.FromEmail, "@")
			switch {
			case !isDomain(d):
				bad("SES.VerifiedDomain", "%q is not a domain name", d)
			case host != d:
				// Cognito (and CDK) want the sender on the identity's own domain, not a subdomain.
				bad("SES.VerifiedDomain", "SES.FromEmail %q is not an address on %s", c.SES.FromEmail, d)
			}
		}
		if c.SES.Region == "" && c.Region == "" {
			bad("SES.Region", "must be set when Region is empty: the SES identity's region cannot be guessed at synth")
		}
		if c.CognitoReplyTo != "" {
			bad("CognitoReplyTo", "applies to Cognito's own sender only; use SES.ReplyTo")
		}
	} else if c.CognitoReplyTo != "" && !isAddress(c.CognitoReplyTo) {
		bad("CognitoReplyTo", "%q is not an email address", c.CognitoReplyTo)
	}
	if !slices.Contains([]string{"off", "optional-totp", "required-totp"}, c.MFA) {
		bad("MFA", "%q is not one of off, optional-totp, required-totp", c.MFA)
	}
	if err := c.Password.Validate(); err != nil {
		bad("Password", "%v", err)
	}
	if c.TempPasswordValidityDays < 1 || c.TempPasswordValidityDays > 365 {
		bad("TempPasswordValidityDays", "must be between 1 and 365, got %d", c.TempPasswordValidityDays)
	}
	if err := settings.ValidateAttributes(c.poolCustomAttributes()); err != nil {
		bad("CustomAttributes", "%v", err)
	}
	if !slices.Contains([]string{"LITE", "ESSENTIALS", "PLUS"}, c.FeaturePlan) {
		bad("FeaturePlan", "%q is not one of LITE, ESSENTIALS, PLUS", c.FeaturePlan)
	}
	if c.AccessTokenMinutes < 5 || c.AccessTokenMinutes > 24*60 {
		bad("AccessTokenMinutes", "must be between 5 and 1440, got %d", c.AccessTokenMinutes)
	}
	if c.IDTokenMinutes < 5 || c.IDTokenMinutes > 24*60 {
		bad("IDTokenMinutes", "must be between 5 and 1440, got %d", c.IDTokenMinutes)
	}
	if c.RefreshTokenDays < 1 || c.RefreshTokenDays > 3650 {
		bad("RefreshTokenDays", "must be between 1 and 3650, got %d", c.RefreshTokenDays)
	}
	checkAdminClient(bad, c)
	if h := c.HostedUI; h != nil {
		if !validDomainPrefix(h.DomainPrefix) {
			bad("HostedUI.DomainPrefix", "%q is not a valid Cognito domain prefix (lower-case letters, digits, hyphens; no aws, amazon or cognito)", h.DomainPrefix)
		}
		if len(h.CallbackURLs) == 0 {
			bad("HostedUI.CallbackURLs", "at least one is needed for the code flow")
		}
		for _, u := range append(slices.Clone(h.CallbackURLs), h.LogoutURLs...) {
			if err := checkRedirect(u); err != nil {
				bad("HostedUI", "URL %q: %v", u, err)
			}
		}
	}
	checkRoles(bad, c)
	// The Lambda reads the cognito:groups claim as "[a b]", "a,b" or a JSON
	// array: a name holding that syntax could pass for another group ("[admins]" for admins).
	for _, f := range []struct {
		field  string
		groups []string
	}{{"Roles", c.AdminGroups()}, {"ExtraGroups", c.ExtraGroups}} {
		for _, g := range f.groups {
			if settings.HasGroupClaimSyntax(g) {
				bad(f.field, "%q holds a character the group claim uses as syntax (brackets, double quotes, commas or whitespace)", g)
			}
		}
	}
	seen := map[string]string{}
	for _, g := range c.ManagedGroups() {
		if !settings.HasGroupClaimSyntax(g) && (!groupRe.MatchString(g) || strings.Contains(g, ",") || pascal(g) == "") {
			bad("Roles/ExtraGroups", "%q is not a valid group name (1 to 128 printable characters with a letter or digit, no spaces or commas)", g)
		}
		// Groups' logical IDs come from their names, so two names must not map to one ID.
		if other, dup := seen[groupLogicalID(g)]; dup {
			bad("Roles/ExtraGroups", "%q and %q are the same group to CloudFormation (logical ID %s)", other, g, groupLogicalID(g))
		}
		seen[groupLogicalID(g)] = g
	}
	if c.FirstAdminEmail != "" && (!isAddress(c.FirstAdminEmail) || c.FirstAdminEmail != strings.ToLower(c.FirstAdminEmail)) {
		bad("FirstAdminEmail", "%q is not a plain lower-case email address", c.FirstAdminEmail)
	}
	if c.LambdaMemoryMB < 128 || c.LambdaMemoryMB > 10240 {
		bad("LambdaMemoryMB", "must be between 128 and 10240, got %d", c.LambdaMemoryMB)
	}
	c.validateOperations(bad)
	c.validateAudit(bad)
	c.validateConsole(bad)
	c.validateSCIM(bad)
	return errors.Join(errs...)
}

// checkRoles refuses roles the Lambda could not enforce as written: an
// unknown permission, a role declared twice or also listed in ExtraGroups,
// a scope naming a group that is not an extra (managed, non-role) group,
// and a first role short of every permission.
func checkRoles(bad func(field, format string, args ...any), c Config) {
	if len(c.Roles) == 0 {
		bad("Roles", "at least one role is needed, or nobody can call the API")
		return
	}
	if _, err := access.NewPolicy(c.Roles); err != nil {
		bad("Roles", "%v", err)
	}
	for _, r := range c.Roles {
		if slices.Contains(c.ExtraGroups, r.Name) {
			bad("Roles", "%q is also in ExtraGroups: a group is either a role (roles:grant assigns it) or a managed group (groups:assign does)", r.Name)
		}
		for _, g := range r.Scope {
			// A scope naming a role is NewPolicy's to report.
			if !slices.Contains(c.ExtraGroups, g) && !slices.Contains(c.AdminGroups(), g) {
				bad("Roles", "role %q: scope group %q is not one of ExtraGroups (%s)", r.Name, g, strings.Join(c.ExtraGroups, ", "))
			}
		}
	}
	first := c.Roles[0]
	if first.Scoped() || !holdsAll(first) {
		bad("Roles", "the first role, %q, must hold every permission, unscoped: it is where FirstAdminEmail goes, and only such a role can grant every other", first.Name)
	}
}

func holdsAll(r access.Role) bool {
	for _, p := range access.AllPermissions() {
		if !slices.Contains(r.Permissions, p) {
			return false
		}
	}
	return true
}

// adminAPIClients are the values AdminAPIClients may hold.
var adminAPIClients = []string{"admin", "app"}

// checkAdminClient checks the admin client's lifetimes (within Cognito's
// bounds, refresh tokens outliving the others, as Cognito requires) and
// AdminAPIClients.
func checkAdminClient(bad func(field, format string, args ...any), c Config) {
	if c.AdminAccessTokenMinutes < 5 || c.AdminAccessTokenMinutes > 24*60 {
		bad("AdminAccessTokenMinutes", "must be between 5 and 1440, got %d", c.AdminAccessTokenMinutes)
	}
	if c.AdminIDTokenMinutes < 5 || c.AdminIDTokenMinutes > 24*60 {
		bad("AdminIDTokenMinutes", "must be between 5 and 1440, got %d", c.AdminIDTokenMinutes)
	}
	if c.AdminRefreshTokenHours < 1 || c.AdminRefreshTokenHours > 3650*24 {
		bad("AdminRefreshTokenHours", "must be between 1 and 87600, got %d", c.AdminRefreshTokenHours)
	} else if m := c.AdminRefreshTokenHours * 60; m <= c.AdminAccessTokenMinutes || m <= c.AdminIDTokenMinutes {
		bad("AdminRefreshTokenHours", "refresh tokens must outlive the admin client's ID and access tokens")
	}
	if len(c.AdminAPIClients) == 0 {
		bad("AdminAPIClients", "at least one client is needed, or nobody can call the API (use \"admin\")")
	}
	seen := map[string]bool{}
	for _, name := range c.AdminAPIClients {
		if !slices.Contains(adminAPIClients, name) {
			bad("AdminAPIClients", "%q is not one of %s", name, strings.Join(adminAPIClients, ", "))
		}
		if seen[name] {
			bad("AdminAPIClients", "%q is listed twice", name)
		}
		seen[name] = true
	}
}

// checkPlacement reports an Account or Region that is set but malformed.
func checkPlacement(bad func(field, format string, args ...any), account, region string) {
	if account != "" && !accountRe.MatchString(account) {
		bad("Account", "%q is not a 12-digit AWS account id", account)
	}
	if region != "" && !regionRe.MatchString(region) {
		bad("Region", "%q is not an AWS region name", region)
	}
}

// isDomain accepts a DNS name of two or more labels.
func isDomain(s string) bool {
	labels := strings.Split(strings.ToLower(s), ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if !domainRe.MatchString(l) {
			return false
		}
	}
	return true
}

func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// checkOrigin accepts a scheme://host[:port] origin: https, or http on localhost.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return errors.New("not an origin (scheme://host[:port])")
	}
	return checkScheme(u)
}

// checkRedirect accepts an absolute https URL, or http on localhost, as Cognito does.
func checkRedirect(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Fragment != "" {
		return errors.New("not an absolute URL without a fragment")
	}
	return checkScheme(u)
}

func checkScheme(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
		return nil
	}
	return errors.New("must be https (http only for localhost)")
}
