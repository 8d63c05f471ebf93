package settings

import (
	"reflect"
	"strings"
	"testing"
)

func scimSettings() Settings {
	return Settings{
		UserPoolID: "p", AdminGroups: []string{"admins", "provisioners"}, ManagedGroups: []string{"admins", "provisioners", "staff"},
		Password: DefaultPasswordPolicy(), APIClientIDs: []string{"c"},
		SCIM: SCIM{Enabled: true, ClientID: "7scimclient", Bearer: true, Role: "provisioners", IdPName: "okta",
			DeleteMode: SCIMDisable, Invite: true, AllowRoleGroups: true},
	}
}

func TestSCIMRoundTrip(t *testing.T) {
	for name, c := range map[string]SCIM{
		"both ways in":  scimSettings().SCIM,
		"bearer only":   {Enabled: true, Bearer: true, Role: "admins", IdPName: "entra", DeleteMode: SCIMDelete},
		"client only":   {Enabled: true, ClientID: "x", Role: "admins", IdPName: "entra", DeleteMode: SCIMDelete},
		"off (no vars)": {},
	} {
		t.Run(name, func(t *testing.T) {
			in := scimSettings()
			in.SCIM = c
			env := in.Env()
			if !c.Enabled {
				for k := range env {
					if strings.HasPrefix(k, "SCIM_") {
						t.Errorf("SCIM off but %s is set", k)
					}
				}
			}
			out, err := FromEnv(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in.SCIM, out.SCIM) {
				t.Fatalf("round trip changed SCIM:\n in %+v\nout %+v", in.SCIM, out.SCIM)
			}
		})
	}
}

func TestSCIMFromEnvErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		set  map[string]string
		want string
	}{
		"no way in":        {map[string]string{EnvSCIMClientID: "", EnvSCIMBearer: "false"}, "nobody could call /scim/v2"},
		"role not a role":  {map[string]string{EnvSCIMRole: "staff"}, `"staff" is not one of the admin groups`},
		"no IdP name":      {map[string]string{EnvSCIMIdPName: " "}, EnvSCIMIdPName},
		"bad delete mode":  {map[string]string{EnvSCIMDeleteMode: "purge"}, `"purge" is not delete or disable`},
		"bad bool":         {map[string]string{EnvSCIMInvite: "sometimes"}, EnvSCIMInvite},
		"bad enabled bool": {map[string]string{EnvSCIMEnabled: "yes please"}, EnvSCIMEnabled},
	} {
		t.Run(name, func(t *testing.T) {
			env := scimSettings().Env()
			for k, v := range tc.set {
				env[k] = v
			}
			_, err := FromEnv(func(k string) string { return env[k] })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
