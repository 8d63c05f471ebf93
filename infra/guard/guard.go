// Package guard finds the changes between two versions of a stack's
// template that would replace or delete a stateful resource (the user pool,
// its clients, groups, users). The snapshot tests run it against the
// committed snapshots; cmd/deployguard runs it against the deployed stacks
// before `make deploy` and the CI deploy. It has no AWS or CDK dependency.
package guard

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// replacing lists, per stateful resource type, the properties whose change
// CloudFormation can apply only by replacing the resource (from the
// CloudFormation resource reference).
var replacing = map[string][]string{
	"AWS::Cognito::UserPool":                      {"UsernameAttributes", "AliasAttributes", "UsernameConfiguration"},
	"AWS::Cognito::UserPoolClient":                {"UserPoolId", "GenerateSecret"},
	"AWS::Cognito::UserPoolGroup":                 {"UserPoolId", "GroupName"},
	"AWS::Cognito::UserPoolUser":                  {"UserPoolId", "Username", "UserAttributes", "DesiredDeliveryMediums", "ForceAliasCreation", "MessageAction", "ValidationData", "ClientMetadata"},
	"AWS::Cognito::UserPoolUserToGroupAttachment": {"UserPoolId", "GroupName", "Username"},
	"AWS::Cognito::UserPoolDomain":                {"UserPoolId", "Domain"},
}

type cfnTemplate struct {
	Resources map[string]struct {
		Type       string
		Properties map[string]any
	}
}

// Replacements compares two versions of a stack's template and lists every
// stateful resource the new one would replace or remove, skipping those
// approved as "<stack>/<logical ID>". Each line names the resource and says
// "replacement".
func Replacements(stack string, before, after []byte, approved map[string]string) ([]string, error) {
	var old, cur cfnTemplate
	if err := json.Unmarshal(before, &old); err != nil {
		return nil, fmt.Errorf("%s: the earlier template: %w", stack, err)
	}
	if err := json.Unmarshal(after, &cur); err != nil {
		return nil, fmt.Errorf("%s: the new template: %w", stack, err)
	}
	var out []string
	for id, was := range old.Resources {
		props, stateful := replacing[was.Type]
		if !stateful {
			continue
		}
		if _, ok := approved[stack+"/"+id]; ok {
			continue
		}
		now, ok := cur.Resources[id]
		if !ok || now.Type != was.Type {
			out = append(out, fmt.Sprintf("%s/%s (%s): replacement: the logical ID is gone, so CloudFormation would delete the resource (rename or move it back, or pin its logical ID)", stack, id, was.Type))
			continue
		}
		for _, p := range props {
			if a, b := canonical(was.Properties[p]), canonical(now.Properties[p]); a != b {
				out = append(out, fmt.Sprintf("%s/%s (%s): replacement: %s changes from %s to %s", stack, id, was.Type, p, a, b))
			}
		}
		if was.Type == "AWS::Cognito::UserPool" {
			for _, name := range removedAttributes(was.Properties["Schema"], now.Properties["Schema"]) {
				out = append(out, fmt.Sprintf("%s/%s (%s): replacement: Schema attribute %q is removed", stack, id, was.Type, name))
			}
			// Cognito cannot change an attribute once the pool has it (type,
			// constraints, mutability, required): only a new pool can.
			// The one change accepted is stating the data type Cognito
			// already holds for a standard attribute (standardTyped).
			for _, c := range changedAttributes(was.Properties["Schema"], now.Properties["Schema"]) {
				out = append(out, fmt.Sprintf("%s/%s (%s): replacement: Schema attribute %q changes from %s to %s", stack, id, was.Type, c[0], c[1], c[2]))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// removedAttributes lists the schema attributes in before that after lacks.
func removedAttributes(before, after any) []string {
	names := func(v any) map[string]bool {
		m := map[string]bool{}
		list, _ := v.([]any)
		for _, a := range list {
			if attr, ok := a.(map[string]any); ok {
				m[fmt.Sprint(attr["Name"])] = true
			}
		}
		return m
	}
	was, now := names(before), names(after)
	var out []string
	for n := range was {
		if !now[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// changedAttributes lists, as [name, before, after], the schema attributes
// both lists hold with different definitions.
func changedAttributes(before, after any) [][3]string {
	defs := func(v any) map[string]string {
		m := map[string]string{}
		list, _ := v.([]any)
		for _, a := range list {
			if attr, ok := a.(map[string]any); ok {
				m[fmt.Sprint(attr["Name"])] = canonical(attr)
			}
		}
		return m
	}
	was, now := defs(before), defs(after)
	var out [][3]string
	for _, n := range slices.Sorted(maps.Keys(was)) {
		if d, ok := now[n]; ok && d != was[n] && !standardTyped(n, was[n], d) {
			out = append(out, [3]string{n, was[n], d})
		}
	}
	return out
}

// standardStrings are Cognito's standard attributes whose data type is
// String (updated_at, the one other standard attribute, is a Number).
var standardStrings = map[string]bool{
	"address": true, "birthdate": true, "email": true, "family_name": true, "gender": true,
	"given_name": true, "locale": true, "middle_name": true, "name": true, "nickname": true,
	"phone_number": true, "picture": true, "preferred_username": true, "profile": true,
	"website": true, "zoneinfo": true,
}

// standardTyped reports whether after is before (both canonical JSON) with
// "AttributeDataType": "String" added to a standard String attribute and
// nothing else changed. CloudFormation applies that in place: the
// SchemaAttribute's AttributeDataType is "Update requires: No interruption",
// and the pool already holds the attribute as a String (DescribeUserPool
// shows it), so the definition does not change; it is the fix for
// CloudFormation's "Invalid AttributeDataType input" on later pool updates
// (aws-cdk#8585, amplify-backend#3299). Any other change, removing the
// type, another type, a custom attribute, is still a replacement.
func standardTyped(name, before, after string) bool {
	if !standardStrings[name] {
		return false
	}
	var was, now map[string]any
	if json.Unmarshal([]byte(before), &was) != nil || json.Unmarshal([]byte(after), &now) != nil {
		return false
	}
	if _, typed := was["AttributeDataType"]; typed || now["AttributeDataType"] != "String" {
		return false
	}
	delete(now, "AttributeDataType")
	return canonical(was) == canonical(now)
}

func canonical(v any) string {
	if v == nil {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
