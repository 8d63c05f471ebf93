package coldstart

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// newCognitoStub answers the handler's caller check (AdminGetUser and
// AdminListGroupsForUser for the admin) and AdminCreateUser the way Cognito does (AWS JSON 1.1),
// so the first response crosses the real SDK: endpoint resolution, signing,
// retry middleware and deserialisation are part of the measured path.
func newCognitoStub() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"MissingAuthenticationTokenException","message":"unsigned request"}`))
			return
		}
		var in struct {
			UserPoolId     string
			Username       string
			UserAttributes []map[string]string
		}
		target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.")
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.UserPoolId != poolID {
			target = ""
		}
		switch {
		// The handler's caller check: the admin's account is enabled and in admins.
		case target == "AdminGetUser" && in.Username == adminSub:
			json.NewEncoder(w).Encode(map[string]any{"Username": adminSub, "Enabled": true, "UserStatus": "CONFIRMED"})
			return
		case target == "AdminListGroupsForUser" && in.Username == adminSub:
			json.NewEncoder(w).Encode(map[string]any{"Groups": []map[string]any{{"GroupName": "admins"}}})
			return
		case target != "AdminCreateUser":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"InvalidParameterException","message":"the stub answers the caller check and AdminCreateUser on ` + poolID + ` only"}`))
			return
		}
		now := float64(time.Now().Unix())
		json.NewEncoder(w).Encode(map[string]any{"User": map[string]any{
			"Username":             "00000000-0000-0000-0000-0000000000b1",
			"Attributes":           in.UserAttributes,
			"Enabled":              true,
			"UserStatus":           "FORCE_CHANGE_PASSWORD",
			"UserCreateDate":       now,
			"UserLastModifiedDate": now,
		}})
	}))
}
