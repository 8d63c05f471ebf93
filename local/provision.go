package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The clients' logical IDs, pinned in the template (infra.PoolIdentity).
const (
	AppClientLogicalID   = "UserPoolClient"
	AdminClientLogicalID = "AdminClient"
	// SCIMClientLogicalID is the SCIM client's, where client credentials are on.
	SCIMClientLogicalID = "ScimClient"
)

// Pool is what Provision created in the emulator.
type Pool struct {
	ID string
	// ClientID is the application's client; AdminClientID the one
	// administrators (and `useradmin`) sign in through.
	ClientID, AdminClientID string
	// SCIMClientID is the SCIM client (client credentials), "" where there is none.
	SCIMClientID string
	// Groups are the group names, by logical ID.
	Groups map[string]string
	// PasswordPolicy is the template's, or Cognito's default when it sets none.
	PasswordPolicy types.PasswordPolicyType
	// Refs resolve the template's logical IDs to what was created.
	refs refs
}

// notEnforced lists properties the emulator accepts but does not act on, so
// local mode says so instead of pretending. Keyed by resource type, then by
// property path as it appears in the template.
var notEnforced = map[string]map[string]string{
	"AWS::Cognito::UserPool": {
		"UsernameConfiguration":       "usernames are matched case-sensitively (the API lower-cases emails, so it behaves the same)",
		"AdminCreateUserConfig":       "no invitation email is sent; self sign-up is not blocked",
		"EmailConfiguration":          "no email is sent",
		"DeletionProtection":          "the emulator has no deletion protection",
		"UserPoolTier":                "there are no feature plans",
		"UserAttributeUpdateSettings": "email changes are not held for verification",
		"VerificationMessageTemplate": "no verification email is sent",
		"Policies.PasswordPolicy.TemporaryPasswordValidityDays": "temporary passwords do not expire",
	},
	"AWS::Cognito::UserPoolClient": {
		"ExplicitAuthFlows":          "every auth flow is allowed",
		"PreventUserExistenceErrors": "sign-in errors may reveal whether a user exists",
		"AccessTokenValidity":        "tokens last one hour",
		"IdTokenValidity":            "tokens last one hour",
		"RefreshTokenValidity":       "refresh tokens do not expire",
		"EnableTokenRevocation":      "tokens cannot be revoked",
	},
}

// cognitoDefaultPasswordPolicy is what Cognito applies to a pool created without one.
var cognitoDefaultPasswordPolicy = types.PasswordPolicyType{
	MinimumLength: aws.Int32(8), RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true,
}

// Provision creates, in the emulator behind c, the user pool, its clients,
// groups and any first admin of the template, calling the Cognito API with
// the template's own properties. It returns what it created and one line per
// property the emulator accepts without enforcing.
func Provision(ctx context.Context, c *cip.Client, t *Template) (*Pool, []string, error) {
	var notes []string
	poolID, poolRes, err := t.One("AWS::Cognito::UserPool")
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, report(poolRes)...)
	props := rename(poolRes.Properties, map[string]string{"UserPoolName": "PoolName"})
	enabledMFAs, _ := props["EnabledMfas"].([]any)
	delete(props, "EnabledMfas") // a separate call: SetUserPoolMfaConfig
	var in cip.CreateUserPoolInput
	if err := decodeStrict(props, &in); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", poolID, err)
	}
	out, err := c.CreateUserPool(ctx, &in)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the user pool: %w", err)
	}
	p := &Pool{ID: *out.UserPool.Id, Groups: map[string]string{}, refs: refs{poolID: *out.UserPool.Id}, PasswordPolicy: cognitoDefaultPasswordPolicy}
	if in.Policies != nil && in.Policies.PasswordPolicy != nil {
		p.PasswordPolicy = *in.Policies.PasswordPolicy
	}
	if len(enabledMFAs) > 0 {
		mfa := &cip.SetUserPoolMfaConfigInput{UserPoolId: &p.ID, MfaConfiguration: types.UserPoolMfaType(fmt.Sprint(props["MfaConfiguration"]))}
		for _, m := range enabledMFAs {
			if m == "SOFTWARE_TOKEN_MFA" {
				mfa.SoftwareTokenMfaConfiguration = &types.SoftwareTokenMfaConfigType{Enabled: true}
			}
		}
		if _, err := c.SetUserPoolMfaConfig(ctx, mfa); err != nil {
			return nil, nil, fmt.Errorf("setting MFA: %w", err)
		}
	}

	// Resource servers before the clients whose scopes name them (SCIM's
	// scim/provision); a reference to one is its identifier, as in CloudFormation.
	for _, id := range t.OfType("AWS::Cognito::UserPoolResourceServer") {
		var rin cip.CreateResourceServerInput
		if err := p.decode(id, t.Resources[id].Properties, &rin); err != nil {
			return nil, nil, err
		}
		if _, err := c.CreateResourceServer(ctx, &rin); err != nil {
			return nil, nil, fmt.Errorf("creating the resource server %s: %w", id, err)
		}
		p.refs[id] = *rin.Identifier
	}

	// Every client of the pool: the application's, the administrators' and SCIM's.
	for _, id := range t.OfType("AWS::Cognito::UserPoolClient") {
		res := t.Resources[id]
		notes = append(notes, report(res)...)
		var cin cip.CreateUserPoolClientInput
		if err := p.decode(id, res.Properties, &cin); err != nil {
			return nil, nil, err
		}
		cout, err := c.CreateUserPoolClient(ctx, &cin)
		if err != nil {
			return nil, nil, fmt.Errorf("creating the app client %s: %w", id, err)
		}
		p.refs[id] = *cout.UserPoolClient.ClientId
	}
	if p.ClientID = p.refs[AppClientLogicalID]; p.ClientID == "" {
		return nil, nil, fmt.Errorf("template: no app client with the logical ID %s", AppClientLogicalID)
	}
	if p.AdminClientID = p.refs[AdminClientLogicalID]; p.AdminClientID == "" {
		return nil, nil, fmt.Errorf("template: no admin client with the logical ID %s", AdminClientLogicalID)
	}
	p.SCIMClientID = p.refs[SCIMClientLogicalID]

	for _, id := range t.OfType("AWS::Cognito::UserPoolGroup") {
		var gin cip.CreateGroupInput
		if err := p.decode(id, t.Resources[id].Properties, &gin); err != nil {
			return nil, nil, err
		}
		if _, err := c.CreateGroup(ctx, &gin); err != nil {
			return nil, nil, fmt.Errorf("creating group %s: %w", *gin.GroupName, err)
		}
		p.Groups[id] = *gin.GroupName
		p.refs[id] = *gin.GroupName
	}

	// The optional first admin, as CloudFormation would create it.
	for _, id := range t.OfType("AWS::Cognito::UserPoolUser") {
		var uin cip.AdminCreateUserInput
		if err := p.decode(id, t.Resources[id].Properties, &uin); err != nil {
			return nil, nil, err
		}
		if _, err := c.AdminCreateUser(ctx, &uin); err != nil {
			return nil, nil, fmt.Errorf("creating user %s: %w", *uin.Username, err)
		}
		p.refs[id] = *uin.Username
	}
	for _, id := range t.OfType("AWS::Cognito::UserPoolUserToGroupAttachment") {
		var ain cip.AdminAddUserToGroupInput
		if err := p.decode(id, t.Resources[id].Properties, &ain); err != nil {
			return nil, nil, err
		}
		if _, err := c.AdminAddUserToGroup(ctx, &ain); err != nil {
			return nil, nil, fmt.Errorf("adding %s to %s: %w", *ain.Username, *ain.GroupName, err)
		}
	}
	sort.Strings(notes)
	// Both clients set the same properties: one note each.
	return p, slices.Compact(notes), nil
}

// Resolve returns the value local mode created for a logical ID.
func (p *Pool) Resolve(v any) (any, error) { return p.refs.resolve(v) }

// decode resolves references in a resource's properties and decodes them
// into an API input: CloudFormation and the Cognito API share their
// property names, so an unknown name is a real mismatch, reported as one.
func (p *Pool) decode(id string, props map[string]any, into any) error {
	resolved, err := p.refs.resolve(props)
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	if err := decodeStrict(resolved, into); err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	return nil
}

func decodeStrict(v any, into any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("a property has no Cognito API counterpart: %w", err)
	}
	return nil
}

func rename(props map[string]any, names map[string]string) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if n, ok := names[k]; ok {
			k = n
		}
		out[k] = v
	}
	return out
}

// report lists the properties of r that the emulator does not enforce.
func report(r Resource) []string {
	var out []string
	for path, why := range notEnforced[r.Type] {
		if has(r.Properties, strings.Split(path, ".")) {
			out = append(out, fmt.Sprintf("%s %s: not enforced by the emulator (%s)", strings.TrimPrefix(r.Type, "AWS::Cognito::"), path, why))
		}
	}
	return out
}

func has(m map[string]any, path []string) bool {
	v, ok := m[path[0]]
	if !ok || len(path) == 1 {
		return ok
	}
	sub, ok := v.(map[string]any)
	return ok && has(sub, path[1:])
}
