package infra

import (
	"maps"
	"slices"
)

// ApprovedReplacements lists stateful resources that a change may replace or
// remove, as "<stack>/<logical ID>" → the reason and who approved it.
//
// Replacing the user pool deletes every user and password; replacing the
// client breaks every app configured with its id. The snapshot tests refuse
// any such change, and `make snapshot` refuses to record one, unless it is
// listed here, where the pull request shows it to a reviewer. Remove the
// entry once the change has been deployed.
var ApprovedReplacements = map[string]string{}

// PoolIdentity is, as template resources, what the user pool and its clients
// must keep in every stack for CloudFormation to update them in place: their
// logical IDs and the properties it can change only by replacement. The
// snapshot tests hold every synthesized stack to it as well as to its
// committed snapshot, so a snapshot rewritten or deleted by hand cannot hide
// a replacement. The values are written out here on purpose, not taken from
// the constructs: changing them is a change a reviewer sees.
var PoolIdentity = map[string]any{
	"UserPool": map[string]any{
		"Type": "AWS::Cognito::UserPool",
		"Properties": map[string]any{
			"UsernameAttributes":    []any{"email"},
			"UsernameConfiguration": map[string]any{"CaseSensitive": false},
			// AttributeDataType was added to a pool deployed without it, which
			// CloudFormation applies in place (infra/guard's standardTyped).
			"Schema": []any{map[string]any{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}},
		},
	},
	"UserPoolClient": map[string]any{
		"Type": "AWS::Cognito::UserPoolClient",
		"Properties": map[string]any{
			"UserPoolId":     map[string]any{"Ref": "UserPool"},
			"GenerateSecret": false,
		},
	},
	"AdminClient": map[string]any{
		"Type": "AWS::Cognito::UserPoolClient",
		"Properties": map[string]any{
			"UserPoolId":     map[string]any{"Ref": "UserPool"},
			"GenerateSecret": false,
		},
	},
}

// PinnedAttributes are, per stack, the custom attributes its pool holds, as
// template schema entries, written out like PoolIdentity: a custom attribute
// removed or changed in the configuration would replace the pool, and
// pinning it here keeps a hand-edited snapshot from hiding that. Add an
// entry once an attribute is deployed; adding one to the configuration is an
// in-place update and needs nothing here.
var PinnedAttributes = map[string][]any{
	"UserAdmin-dev": {
		map[string]any{"AttributeDataType": "String", "Mutable": true, "Name": "department", "StringAttributeConstraints": map[string]any{"MaxLength": "64"}},
	},
}

// PoolIdentityOf is PoolIdentity with the stack's pinned custom attributes in the pool's schema.
func PoolIdentityOf(stack string) map[string]any {
	pool := PoolIdentity["UserPool"].(map[string]any)
	props := maps.Clone(pool["Properties"].(map[string]any))
	props["Schema"] = append(slices.Clone(props["Schema"].([]any)), PinnedAttributes[stack]...)
	pool = maps.Clone(pool)
	pool["Properties"] = props
	out := maps.Clone(PoolIdentity)
	out["UserPool"] = pool
	return out
}
