package guard

import (
	"fmt"
	"strings"
	"testing"
)

// pool is a template whose user pool has the one schema entry attr.
func pool(attr string) []byte {
	return fmt.Appendf(nil, `{"Resources": {"UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
  "UsernameAttributes": ["email"], "Schema": [%s]}}}}`, attr)
}

// TestStandardAttributeTyped: stating AttributeDataType String on a
// standard String attribute is the one schema change the guard lets
// through (CloudFormation updates it in place); everything near it is
// still a replacement.
func TestStandardAttributeTyped(t *testing.T) {
	for _, tc := range []struct {
		name, before, after string
		replaced            bool
	}{
		{"email typed String", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}`, false},
		{"given_name typed String", `{"Name": "given_name", "Mutable": true}`, `{"Name": "given_name", "Mutable": true, "AttributeDataType": "String"}`, false},
		{"email typed Number", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "Number", "Name": "email", "Required": true, "Mutable": true}`, true},
		{"email typed and made optional", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Mutable": true}`, true},
		{"email typed and constrained", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true, "StringAttributeConstraints": {"MaxLength": "64"}}`, true},
		{"email type dropped", `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}`, `{"Name": "email", "Required": true, "Mutable": true}`, true},
		{"email retyped", `{"AttributeDataType": "Number", "Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}`, true},
		{"updated_at is a Number", `{"Name": "updated_at", "Mutable": true}`, `{"AttributeDataType": "String", "Name": "updated_at", "Mutable": true}`, true},
		{"custom attribute typed", `{"Name": "department", "Mutable": true}`, `{"AttributeDataType": "String", "Name": "department", "Mutable": true}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Replacements("UserAdmin-prd", pool(tc.before), pool(tc.after), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.replaced {
				if len(got) != 0 {
					t.Errorf("findings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], "replacement: Schema attribute") {
				t.Errorf("findings %q, want one schema replacement", got)
			}
		})
	}
}

const table = `{"Resources": {"AuditTable": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Delete", "Properties": {
  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
  "BillingMode": "PAY_PER_REQUEST"}}}}`

// TestAuditTable: the audit table is stateful like the pool. A change
// CloudFormation applies by replacing the table, or the table leaving the
// template, is found; an index or a setting added in place is not.
func TestAuditTable(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           string // "" for no finding
	}{
		{"no change", "", "", ""},
		{"billing mode", `"PAY_PER_REQUEST"`, `"PROVISIONED"`, ""},
		{"index added", `"BillingMode"`, `"GlobalSecondaryIndexes": [{"IndexName": "byDay", "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}]}], "BillingMode"`, ""},
		{"index attribute defined", `{"AttributeName": "sk", "AttributeType": "S"}]`, `{"AttributeName": "sk", "AttributeType": "S"}, {"AttributeName": "day", "AttributeType": "S"}]`, ""},
		{"sort key renamed", `{"AttributeName": "sk", "KeyType": "RANGE"}`, `{"AttributeName": "id", "KeyType": "RANGE"}`, "replacement: KeySchema changes"},
		{"named", `"BillingMode"`, `"TableName": "audit", "BillingMode"`, "replacement: TableName changes from (absent)"},
		{"local index", `"BillingMode"`, `"LocalSecondaryIndexes": [{"IndexName": "x"}], "BillingMode"`, "replacement: LocalSecondaryIndexes"},
		{"key retyped", `{"AttributeName": "pk", "AttributeType": "S"}`, `{"AttributeName": "pk", "AttributeType": "N"}`, `replacement: key attribute "pk" changes from "S" to "N"`},
		{"renamed", `"AuditTable":`, `"AuditTableV2":`, "AuditTable (AWS::DynamoDB::Table): replacement: the logical ID is gone, so CloudFormation would delete"},
		{"removed", `"AuditTable": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Delete"`, `"Other": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete"`, "the logical ID is gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := strings.Replace(table, tc.from, tc.to, 1)
			if tc.from != "" && after == table {
				t.Fatalf("bad case: %q not in the template", tc.from)
			}
			got, err := Replacements("UserAdmin-prd", []byte(table), []byte(after), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("findings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Errorf("findings %q, want one containing %q", got, tc.want)
			}
		})
	}
	// A retained table (prd) that leaves the template is still found, and the finding says it is kept but unmanaged.
	retained := strings.Replace(table, `"DeletionPolicy": "Delete"`, `"DeletionPolicy": "RetainExceptOnCreate"`, 1)
	got, _ := Replacements("UserAdmin-prd", []byte(retained), []byte(`{"Resources": {}}`), nil)
	if len(got) != 1 || !strings.Contains(got[0], "retained, but no longer managed") {
		t.Errorf("findings %q", got)
	}
}

// TestCustomAttributeAdded: declaring a new custom attribute (SCIM's
// scim_external_id beside dev's department) is an in-place update of the
// pool, as CloudFormation documents for Schema additions; removing it again
// is a replacement.
func TestCustomAttributeAdded(t *testing.T) {
	department := `{"AttributeDataType": "String", "Mutable": true, "Name": "department", "StringAttributeConstraints": {"MaxLength": "64"}}`
	external := `{"AttributeDataType": "String", "Mutable": true, "Name": "scim_external_id", "StringAttributeConstraints": {"MaxLength": "2048"}}`
	got, err := Replacements("UserAdmin-dev", pool(department), pool(department+", "+external), nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("adding scim_external_id: findings %q, %v; want none", got, err)
	}
	got, err = Replacements("UserAdmin-dev", pool(department+", "+external), pool(department), nil)
	if err != nil || len(got) != 1 || !strings.Contains(got[0], `Schema attribute "scim_external_id" is removed`) {
		t.Fatalf("removing scim_external_id: findings %q, %v; want one replacement", got, err)
	}
}
