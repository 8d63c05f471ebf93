package infra

import (
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// GroupsProps configures NewGroups.
type GroupsProps struct {
	Pool   awscognito.UserPool
	Config Config
}

// NewGroups creates the admin groups and the extra groups, and, when
// FirstAdminEmail is set, that user in the first admin group, so a fresh
// deployment is usable without the console. Returns the groups by name.
func NewGroups(scope constructs.Construct, id string, props *GroupsProps) map[string]awscognito.UserPoolGroup {
	c := props.Config
	groups := map[string]awscognito.UserPoolGroup{}
	for i, name := range c.ManagedGroups() {
		desc := "A group that admins may assign."
		if i < len(c.Roles) {
			desc = roleDescription(c.Roles[i])
		}
		g := props.Pool.AddGroup(jsii.String(id+pascal(name)), &awscognito.UserPoolGroupOptions{
			GroupName:   jsii.String(name),
			Description: jsii.String(desc),
			Precedence:  jsii.Number(i),
		})
		// Pinned by group name, so reordering or renaming constructs keeps memberships.
		g.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(groupLogicalID(name)))
		// Kept with the pool: a retained pool without its admins group would lock every admin out.
		g.ApplyRemovalPolicy(removalPolicy(c))
		groups[name] = g
	}
	if c.FirstAdminEmail == "" {
		return groups
	}
	admin := c.Roles[0].Name
	user := awscognito.NewCfnUserPoolUser(scope, jsii.String(id+"FirstAdmin"), &awscognito.CfnUserPoolUserProps{
		UserPoolId:             props.Pool.UserPoolId(),
		Username:               jsii.String(c.FirstAdminEmail),
		DesiredDeliveryMediums: jsii.Strings("EMAIL"),
		UserAttributes: &[]*awscognito.CfnUserPoolUser_AttributeTypeProperty{
			{Name: jsii.String("email"), Value: jsii.String(c.FirstAdminEmail)},
			{Name: jsii.String("email_verified"), Value: jsii.String("true")},
		},
	})
	user.OverrideLogicalId(jsii.String("FirstAdminUser"))
	// Every property of a UserPoolUser forces replacement; keep the user when the stack goes, like the pool.
	user.ApplyRemovalPolicy(removalPolicy(c), nil)
	member := awscognito.NewCfnUserPoolUserToGroupAttachment(scope, jsii.String(id+"FirstAdminMembership"), &awscognito.CfnUserPoolUserToGroupAttachmentProps{
		UserPoolId: props.Pool.UserPoolId(),
		GroupName:  groups[admin].GroupName(),
		Username:   user.Ref(),
	})
	member.OverrideLogicalId(jsii.String("FirstAdminMembership"))
	member.ApplyRemovalPolicy(removalPolicy(c), nil)
	return groups
}

// roleDescription describes a role's group: a role with every permission,
// unscoped, keeps the description admin groups always had.
func roleDescription(r access.Role) string {
	if !r.Scoped() && holdsAll(r) {
		return "Members may manage users of this pool through the admin API."
	}
	var perms []string
	for _, p := range r.Permissions {
		perms = append(perms, string(p))
	}
	d := "Role: " + strings.Join(perms, " ")
	if r.Scoped() {
		d += "; scope: " + strings.Join(r.Scope, " ")
	}
	// Cognito allows 2048 characters; every permission and a few scope groups fit well within.
	return d
}

// groupLogicalID is "Group" and the group name in PascalCase, letters and digits only.
func groupLogicalID(name string) string { return "Group" + pascal(name) }

func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) || r > unicode.MaxASCII {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// removalPolicy keeps a retained environment's resources when the stack or
// the resource goes (DeletionPolicy RetainExceptOnCreate, UpdateReplacePolicy
// Retain), except when the deployment that created them fails: its rollback
// deletes them, so a retry does not leave a second, orphaned pool behind.
func removalPolicy(c Config) awscdk.RemovalPolicy {
	if c.Retain {
		return awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	return awscdk.RemovalPolicy_DESTROY
}
