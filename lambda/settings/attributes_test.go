package settings

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestAttributesRoundTrip(t *testing.T) {
	one, nine := 1, 9
	in := Settings{UserPoolID: "p", AdminGroups: []string{"admins"}, APIClientIDs: []string{"c"}, Password: DefaultPasswordPolicy(),
		CustomAttributes: []CustomAttribute{{Name: "team", Type: AttributeString, MaxLength: 32}, {Name: "level", Type: AttributeNumber, Min: &one, Max: &nine}}}
	env := in.Env()
	out, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed settings:\n in %+v\nout %+v", in, out)
	}
	if _, ok := (Settings{}).Env()[EnvCustomAttributes]; ok {
		t.Error("no declared attribute, yet the variable is set")
	}
	for _, bad := range []string{"{", `[{"name":"x y","type":"String","maxLength":3}]`, `[{"name":"a","type":"Date"}]`} {
		env[EnvCustomAttributes] = bad
		if _, err := FromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), EnvCustomAttributes) {
			t.Errorf("%s: err = %v, want one naming %s", bad, err, EnvCustomAttributes)
		}
	}
}

func TestAttributeCheck(t *testing.T) {
	one, nine := 1, 9
	str := CustomAttribute{Name: "team", Type: AttributeString, MaxLength: 4}
	num := CustomAttribute{Name: "level", Type: AttributeNumber, Min: &one, Max: &nine}
	for _, tc := range []struct {
		a    CustomAttribute
		v    string
		want string // "" for accepted
	}{
		{str, "ops", ""},
		{str, "Ünïc", ""},
		{str, "", "1 to 4"},
		{str, "toolong", "1 to 4"},
		{str, "a\tb", "control"},
		{str, "a\ufffd", "valid text"},
		{str, "\xff", "valid text"},
		{num, "5", ""},
		{num, "0", "at least 1"},
		{num, "10", "at most 9"},
		{num, "05", "decimal"},
		{num, "5.0", "decimal"},
		{num, "five", "decimal"},
		{num, "+5", "decimal"},
	} {
		err := tc.a.Check(tc.v)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s %q: err = %v, want %q", tc.a.Name, tc.v, err, tc.want)
		}
		if err != nil && tc.v != "" && strings.Contains(err.Error(), tc.v) {
			t.Errorf("the error quotes the value: %v", err)
		}
	}
}

// Generated passwords meet every policy Cognito allows, differ, and draw only from the safe characters.
func TestGenerate(t *testing.T) {
	policies := []PasswordPolicy{DefaultPasswordPolicy(), {MinLength: 6}, {MinLength: 99, RequireSymbols: true, RequireDigits: true},
		{MinLength: 8, RequireLowercase: true, RequireUppercase: true}}
	seen := map[string]bool{}
	for _, p := range policies {
		for range 200 {
			pw, err := p.Generate(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Check(pw); err != nil {
				t.Fatalf("%+v: generated password %v", p, err)
			}
			if err := DefaultPasswordPolicy().Check(pw); err != nil && len(pw) >= 12 {
				t.Fatalf("a generated password lacks a class: %v", err)
			}
			if len(pw) < max(p.MinLength, minGenerated) || strings.ContainsAny(pw, "&<>\"' 0O1lI") {
				t.Fatalf("generated %q", pw)
			}
			if seen[pw] {
				t.Fatalf("generated %q twice", pw)
			}
			seen[pw] = true
		}
	}
	// A failing source of randomness is an error, not a weak password.
	if _, err := DefaultPasswordPolicy().Generate(bytes.NewReader(nil)); err == nil {
		t.Error("no error from an empty random source")
	}
}
