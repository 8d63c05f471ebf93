package handler

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// rawCreateEvent is a create request as API Gateway delivers it, trimmed of headers the handler ignores.
const rawCreateEvent = `{
  "resource": "/users",
  "path": "/users",
  "httpMethod": "POST",
  "headers": {"Accept": "*/*", "content-type": "application/json; charset=UTF-8", "Host": "api123.execute-api.eu-west-1.amazonaws.com"},
  "multiValueHeaders": {"Accept": ["*/*"], "content-type": ["application/json; charset=UTF-8"], "Host": ["api123.execute-api.eu-west-1.amazonaws.com"]},
  "queryStringParameters": null,
  "multiValueQueryStringParameters": null,
  "pathParameters": null,
  "stageVariables": null,
  "requestContext": {
    "resourceId": "abc123",
    "authorizer": {"claims": {"sub": "sub-0001", "aud": "5example0client0id", "email": "admin@example.com", "cognito:groups": "admins", "token_use": "id", "email_verified": "true"}},
    "resourcePath": "/users",
    "httpMethod": "POST",
    "path": "/dev/users",
    "accountId": "123456789012",
    "stage": "dev",
    "requestId": "req-1",
    "apiId": "api123"
  },
  "body": "{\"email\": \"  Jane.Doe+ops@Example.COM \", \"sendInvitation\": false, \"groups\": [\"support\"]}",
  "isBase64Encoded": false
}`

func TestCreateFromRawEvent(t *testing.T) {
	hs := newHarness(t)
	resp, err := hs.h.Handle(t.Context(), decodeEvent(t, rawCreateEvent))
	if err != nil {
		t.Fatal(err)
	}
	u := wantUser(t, resp, http.StatusCreated)
	want := user{Username: "sub-0005", Email: "jane.doe+ops@example.com", Status: "FORCE_CHANGE_PASSWORD", Enabled: true,
		CreatedAt: "2025-03-04T04:06:07Z", UpdatedAt: "2025-03-04T04:06:07Z", Groups: []string{"support"},
		Attributes: map[string]string{}, MFAEnabled: aws.Bool(false)}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user =\n%+v\nwant\n%+v", u, want)
	}
	if got := resp.Headers["Location"]; got != "/dev/users/jane.doe+ops@example.com" {
		t.Errorf("Location = %q", got)
	}
	in := hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput)
	wantIn := &cip.AdminCreateUserInput{
		UserPoolId:             aws.String(testPool),
		Username:               aws.String("jane.doe+ops@example.com"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String("jane.doe+ops@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
		MessageAction: types.MessageActionTypeSuppress,
	}
	if !reflect.DeepEqual(in, wantIn) {
		t.Errorf("AdminCreateUser input =\n%+v\nwant\n%+v", in, wantIn)
	}
	add := hs.fake.lastInput("AdminAddUserToGroup").(*cip.AdminAddUserToGroupInput)
	if aws.ToString(add.GroupName) != "support" || aws.ToString(add.Username) != "sub-0005" || aws.ToString(add.UserPoolId) != testPool {
		t.Errorf("AdminAddUserToGroup input = %+v", add)
	}
}

func TestCreate(t *testing.T) {
	const password = "Temp-Passw0rd!42"
	form := func(body string) ev {
		return ev{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body: body}
	}
	for _, tc := range []struct {
		name     string
		e        ev
		email    string
		password *string
		suppress bool
		groups   []string
	}{
		{name: "minimal JSON", e: createEvent(`{"email":"new@example.com"}`), email: "new@example.com", groups: []string{}},
		{name: "every field", e: createEvent(`{"email":"New@Example.com","temporaryPassword":"` + password + `","sendInvitation":false,"groups":["support","support"]}`),
			email: "new@example.com", password: aws.String(password), suppress: true, groups: []string{"support"}},
		{name: "explicit invitation", e: createEvent(`{"email":"new@example.com","sendInvitation":true}`), email: "new@example.com", groups: []string{}},
		{name: "nulls are absent", e: createEvent(`{"email":"new@example.com","temporaryPassword":null,"sendInvitation":null,"groups":null}`), email: "new@example.com", groups: []string{}},
		{name: "empty groups", e: createEvent(` {"groups": [], "email": "new@example.com"} `), email: "new@example.com", groups: []string{}},
		{name: "form", e: form("email=New%40example.com&groups=support&groups=support&sendInvitation=false&temporaryPassword=" + url.QueryEscape(password)),
			email: "new@example.com", password: aws.String(password), suppress: true, groups: []string{"support"}},
		{name: "form with invitation", e: form("email=new%40example.com&sendInvitation=true"), email: "new@example.com", groups: []string{}},
		{name: "base64 body", e: ev{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/json"},
			body: base64.StdEncoding.EncodeToString([]byte(`{"email":"new@example.com"}`)), base64: true}, email: "new@example.com", groups: []string{}},
		{name: "media type in mixed case", e: ev{method: "POST", resource: "/users", headers: map[string]string{"CONTENT-TYPE": "Application/JSON; Charset=\"UTF-8\""}, body: `{"email":"new@example.com"}`},
			email: "new@example.com", groups: []string{}},
		{name: "unicode local part", e: createEvent(`{"email":"JOSÉ@example.com"}`), email: "josé@example.com", groups: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			u := wantUser(t, hs.do(t, tc.e), http.StatusCreated)
			if u.Email != tc.email || !reflect.DeepEqual(u.Groups, tc.groups) || u.Status != "FORCE_CHANGE_PASSWORD" || !u.Enabled || u.Username == "" {
				t.Errorf("user = %+v", u)
			}
			in := hs.fake.lastInput("AdminCreateUser").(*cip.AdminCreateUserInput)
			if aws.ToString(in.Username) != tc.email || !reflect.DeepEqual(in.TemporaryPassword, tc.password) {
				t.Errorf("Username = %q, TemporaryPassword = %v", aws.ToString(in.Username), in.TemporaryPassword)
			}
			if wantAction := map[bool]types.MessageActionType{true: types.MessageActionTypeSuppress}[tc.suppress]; in.MessageAction != wantAction {
				t.Errorf("MessageAction = %q, want %q", in.MessageAction, wantAction)
			}
			wantCalls := []string{"AdminCreateUser"}
			for range tc.groups {
				wantCalls = append(wantCalls, "AdminAddUserToGroup")
			}
			if got := hs.fake.methods(); !reflect.DeepEqual(got, wantCalls) {
				t.Errorf("calls = %v, want %v", got, wantCalls)
			}
			stored := hs.fake.users[tc.email]
			for _, g := range tc.groups {
				if !stored.groups[g] {
					t.Errorf("not added to %s", g)
				}
			}
		})
	}
}

func TestCreateLocation(t *testing.T) {
	for _, tc := range []struct{ path, email, want string }{
		{"/dev/users", "new@example.com", "/dev/users/new@example.com"},
		{"", "new@example.com", "/users/new@example.com"},
		{"/prd/users", "a/b?c#d@example.com", "/prd/users/a%2Fb%3Fc%23d@example.com"},
	} {
		hs := newHarness(t)
		req := createEvent(`{"email":"` + tc.email + `"}`).request(t)
		req.RequestContext.Path = tc.path
		resp, _ := hs.h.Handle(t.Context(), req)
		if resp.StatusCode != http.StatusCreated || resp.Headers["Location"] != tc.want {
			t.Errorf("path %q: %d, Location = %q, want %q", tc.path, resp.StatusCode, resp.Headers["Location"], tc.want)
		}
	}
}

// TestCreateRefused covers every bad input: each is answered before Cognito is called.
func TestCreateRefused(t *testing.T) {
	withType := func(ct, body string) ev {
		e := createEvent(body)
		e.headers = map[string]string{"Content-Type": ct}
		if ct == "" {
			e.headers = nil
		}
		return e
	}
	form := func(body string) ev { return withType("application/x-www-form-urlencoded", body) }
	big := `{"email":"new@example.com","groups":["` + strings.Repeat("a", maxBody) + `"]}`
	for _, tc := range []struct {
		name    string
		e       ev
		status  int
		code    string
		mention string // a word the message must contain, usually the field
	}{
		{"no content type", withType("", `{"email":"new@example.com"}`), 415, "UnsupportedMediaType", "Content-Type"},
		{"text/plain", withType("text/plain", `{"email":"new@example.com"}`), 415, "UnsupportedMediaType", "application/json"},
		{"multipart", withType("multipart/form-data; boundary=x", "--x--"), 415, "UnsupportedMediaType", "application/json"},
		{"malformed content type", withType("application/json; charset", `{"email":"new@example.com"}`), 415, "UnsupportedMediaType", "malformed"},
		{"latin-1", withType("application/json; charset=iso-8859-1", `{"email":"new@example.com"}`), 415, "UnsupportedMediaType", "utf-8"},
		{"body over 16 KiB", createEvent(big), 413, "PayloadTooLarge", "16384"},
		{"base64 body over 16 KiB once decoded", ev{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/json"},
			body: base64.StdEncoding.EncodeToString([]byte(big)), base64: true}, 413, "PayloadTooLarge", "16384"},
		{"bad base64", ev{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/json"}, body: "%%%", base64: true}, 400, "InvalidRequest", "base64"},
		{"empty body", createEvent(""), 400, "InvalidRequest", "email"},
		{"empty form", form(""), 400, "InvalidRequest", "email"},
		// Only a base64 body can carry invalid UTF-8: the event itself is JSON.
		{"invalid UTF-8", ev{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/json"},
			body: base64.StdEncoding.EncodeToString([]byte("{\"email\":\"n\xffw@example.com\"}")), base64: true}, 400, "InvalidRequest", "UTF-8"},
		{"malformed JSON", createEvent(`{"email":`), 400, "InvalidRequest", "JSON"},
		{"unterminated object", createEvent(`{"email":"new@example.com"`), 400, "InvalidRequest", "JSON"},
		{"JSON array", createEvent(`[{"email":"new@example.com"}]`), 400, "InvalidRequest", "object"},
		{"JSON string", createEvent(`"new@example.com"`), 400, "InvalidRequest", "object"},
		{"JSON null", createEvent(`null`), 400, "InvalidRequest", "object"},
		{"unknown field", createEvent(`{"email":"new@example.com","admin":true}`), 400, "InvalidRequest", `"admin"`},
		{"field in the wrong case", createEvent(`{"Email":"new@example.com"}`), 400, "InvalidRequest", `"Email"`},
		{"repeated field", createEvent(`{"email":"new@example.com","email":"other@example.com"}`), 400, "InvalidRequest", `"email" is repeated`},
		{"email a number", createEvent(`{"email":42}`), 400, "InvalidRequest", "email"},
		{"email an object", createEvent(`{"email":{"address":"new@example.com"}}`), 400, "InvalidRequest", "email"},
		{"temporaryPassword a number", createEvent(`{"email":"new@example.com","temporaryPassword":12345678}`), 400, "InvalidRequest", "temporaryPassword"},
		{"sendInvitation a string", createEvent(`{"email":"new@example.com","sendInvitation":"false"}`), 400, "InvalidRequest", "sendInvitation"},
		{"groups a string", createEvent(`{"email":"new@example.com","groups":"support"}`), 400, "InvalidRequest", "groups"},
		{"groups with a number", createEvent(`{"email":"new@example.com","groups":["support",1]}`), 400, "InvalidRequest", "groups"},
		{"groups with null", createEvent(`{"email":"new@example.com","groups":["support",null]}`), 400, "InvalidRequest", "groups"},
		{"groups with an empty name", createEvent(`{"email":"new@example.com","groups":[""]}`), 400, "InvalidRequest", "groups"},
		{"too many groups", createEvent(`{"email":"new@example.com","groups":["g` + strings.Repeat(`","g`, maxGroups) + `"]}`), 400, "InvalidRequest", "groups"},
		{"trailing comma", createEvent(`{"email":"new@example.com",}`), 400, "InvalidRequest", "JSON"},
		{"key not a string", createEvent(`{1:"new@example.com"}`), 400, "InvalidRequest", "JSON"},
		{"trailing object", createEvent(`{"email":"new@example.com"} {}`), 400, "InvalidRequest", "after the JSON object"},
		{"trailing garbage", createEvent(`{"email":"new@example.com"}x`), 400, "InvalidRequest", "after the JSON object"},
		{"missing email", createEvent(`{"sendInvitation":false}`), 400, "InvalidRequest", "email is required"},
		{"null email", createEvent(`{"email":null}`), 400, "InvalidRequest", "email is required"},
		{"form repeated email", form("email=a%40example.com&email=b%40example.com"), 400, "InvalidRequest", `"email" is repeated`},
		{"form repeated sendInvitation", form("email=a%40example.com&sendInvitation=true&sendInvitation=false"), 400, "InvalidRequest", "sendInvitation"},
		{"form unknown field", form("email=a%40example.com&role=admin"), 400, "InvalidRequest", `"role"`},
		{"form sendInvitation not a boolean", form("email=a%40example.com&sendInvitation=yes"), 400, "InvalidRequest", "sendInvitation"},
		{"form malformed escape", form("email=a%zzexample.com"), 400, "InvalidRequest", "form"},
		{"form password escaping invalid UTF-8", form("email=a%40example.com&temporaryPassword=%E8Kx9%23mQ2%21vLp7%24wZ4"), 400, "InvalidRequest", "UTF-8"},
		{"form group escaping invalid UTF-8", form("email=a%40example.com&groups=%FF"), 400, "InvalidRequest", "UTF-8"},
		{"form missing email", form("groups=support"), 400, "InvalidRequest", "email"},
		{"blank email", createEvent(`{"email":"   "}`), 400, "InvalidEmail", "email"},
		{"no at sign", createEvent(`{"email":"new.example.com"}`), 400, "InvalidEmail", "email"},
		{"two at signs", createEvent(`{"email":"new@@example.com"}`), 400, "InvalidEmail", "@"},
		{"display name", createEvent(`{"email":"New User <new@example.com>"}`), 400, "InvalidEmail", "email"},
		{"angle brackets", createEvent(`{"email":"<new@example.com>"}`), 400, "InvalidEmail", "email"},
		{"a list", createEvent(`{"email":"new@example.com, other@example.com"}`), 400, "InvalidEmail", "email"},
		{"a list without spaces", createEvent(`{"email":"new@example.com,other@example.com"}`), 400, "InvalidEmail", "email"},
		{"empty local part", createEvent(`{"email":"@example.com"}`), 400, "InvalidEmail", "email"},
		{"domain without a dot", createEvent(`{"email":"new@localhost"}`), 400, "InvalidEmail", "dot"},
		{"empty domain label", createEvent(`{"email":"new@example..com"}`), 400, "InvalidEmail", "label"},
		{"inner whitespace", createEvent(`{"email":"new user@example.com"}`), 400, "InvalidEmail", "whitespace"},
		{"too long", createEvent(`{"email":"` + strings.Repeat("a", 250) + `@example.com"}`), 400, "InvalidEmail", "254"},
		{"password too short", createEvent(`{"email":"new@example.com","temporaryPassword":"Sh0rt!"}`), 400, "InvalidPassword", "temporaryPassword must be at least 12 characters"},
		{"password without a symbol", createEvent(`{"email":"new@example.com","temporaryPassword":"NoSymbolsHere123"}`), 400, "InvalidPassword", "temporaryPassword must contain a symbol"},
		{"unmanaged group", createEvent(`{"email":"new@example.com","groups":["support","root"]}`), 403, "GroupNotManaged", `"root"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			e := wantError(t, hs.do(t, tc.e), tc.status, tc.code)
			if !strings.Contains(e.Error.Message, tc.mention) {
				t.Errorf("message %q does not mention %q", e.Error.Message, tc.mention)
			}
			if calls := hs.fake.methods(); len(calls) != 0 {
				t.Errorf("Cognito was called: %v", calls)
			}
			if len(hs.fake.users) != 4 {
				t.Errorf("the pool changed: %d users", len(hs.fake.users))
			}
		})
	}
}

// TestCreateRollback shows a failed group add leaves no user behind.
func TestCreateRollback(t *testing.T) {
	for _, tc := range []struct {
		name      string
		groups    string
		addErr    error
		status    int
		code      string
		wantCalls []string
	}{
		{"first group missing", `["ghost","support"]`, nil, 404, "GroupNotFound",
			[]string{"AdminCreateUser", "AdminAddUserToGroup", "AdminDeleteUser"}},
		{"second group missing", `["admins","ghost"]`, nil, 404, "GroupNotFound",
			[]string{"AdminCreateUser", "AdminAddUserToGroup", "AdminAddUserToGroup", "AdminDeleteUser"}},
		{"throttled", `["support"]`, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}, 429, "TooManyRequests",
			[]string{"AdminCreateUser", "AdminAddUserToGroup", "AdminDeleteUser"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			if tc.addErr != nil {
				hs.fake.errs["AdminAddUserToGroup"] = tc.addErr
			}
			wantError(t, hs.do(t, createEvent(`{"email":"new@example.com","groups":`+tc.groups+`}`)), tc.status, tc.code)
			if got := hs.fake.methods(); !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("calls = %v, want %v", got, tc.wantCalls)
			}
			if _, ok := hs.fake.users["new@example.com"]; ok {
				t.Error("the user was left behind")
			}
			del := hs.fake.lastInput("AdminDeleteUser").(*cip.AdminDeleteUserInput)
			if aws.ToString(del.Username) != "sub-0005" {
				t.Errorf("deleted %q, want the new user's username", aws.ToString(del.Username))
			}
		})
	}
}

func TestCreateRollbackFailureIsLogged(t *testing.T) {
	hs := newHarness(t)
	hs.fake.errs["AdminDeleteUser"] = &types.InternalErrorException{Message: aws.String("boom")}
	wantError(t, hs.do(t, createEvent(`{"email":"new@example.com","groups":["ghost"]}`)), 404, "GroupNotFound")
	lines := hs.logs.lines(t, "rollback failed: the user was created without all its groups")
	if len(lines) != 1 || lines[0]["target"] != "new@example.com" || !strings.Contains(lines[0]["error"].(string), "boom") || lines[0]["level"] != "ERROR" {
		t.Errorf("rollback log = %v", lines)
	}
}

// TestPasswordNeverLogged follows a temporary password through success and
// both kinds of refusal: it must appear in no log line and no response.
func TestPasswordNeverLogged(t *testing.T) {
	for _, tc := range []struct {
		name, password string
		cognitoErr     error
		status         int
	}{
		{"accepted", "Kx9#mQ2!vLp7$wZ4", nil, 201},
		{"refused by the policy", "kx9mq2vlp7wz4abc", nil, 400},
		{"refused by Cognito", "Kx9#mQ2!vLp7$wZ4", &types.InvalidPasswordException{Message: aws.String("Password does not conform to policy")}, 400},
		{"upstream failure", "Kx9#mQ2!vLp7$wZ4", &types.InternalErrorException{Message: aws.String("internal")}, 502},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			if tc.cognitoErr != nil {
				hs.fake.errs["AdminCreateUser"] = tc.cognitoErr
			}
			for _, e := range []ev{
				createEvent(`{"email":"new@example.com","temporaryPassword":"` + tc.password + `"}`),
				{method: "POST", resource: "/users", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
					body: "email=other%40example.com&temporaryPassword=" + url.QueryEscape(tc.password)},
			} {
				e.headers["Authorization"] = "eyJraWQiOiJ0ZXN0In0.secret-token"
				resp := hs.do(t, e)
				if resp.StatusCode != tc.status {
					t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
				}
				for k, v := range resp.Headers {
					if strings.Contains(v, tc.password) {
						t.Errorf("header %s carries the password", k)
					}
				}
				if strings.Contains(resp.Body, tc.password) {
					t.Errorf("the response carries the password: %s", resp.Body)
				}
			}
			logs := hs.logs.String()
			if len(hs.logs.lines(t, "audit")) != 2 {
				t.Fatalf("want two audit lines: %s", logs)
			}
			for _, secret := range []string{tc.password, url.QueryEscape(tc.password), "secret-token"} {
				if strings.Contains(logs, secret) {
					t.Errorf("a log line carries %q:\n%s", secret, logs)
				}
			}
		})
	}
}

// userless answers a create like Cognito would were its response to omit the user.
type userless struct{ *fakeCognito }

func (u userless) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, opts ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if _, err := u.fakeCognito.AdminCreateUser(ctx, in, opts...); err != nil {
		return nil, err
	}
	return &cip.AdminCreateUserOutput{}, nil
}

func TestCreateAnswerWithoutUser(t *testing.T) {
	hs := newHarness(t)
	hs.h.cognito = userless{hs.fake}
	u := wantUser(t, hs.do(t, createEvent(`{"email":"new@example.com","groups":["support"]}`)), http.StatusCreated)
	if u.Email != "new@example.com" || !reflect.DeepEqual(u.Groups, []string{"support"}) {
		t.Errorf("user = %+v", u)
	}
	// The email, an alias of the username, names the user for the group add.
	if add := hs.fake.lastInput("AdminAddUserToGroup").(*cip.AdminAddUserToGroupInput); aws.ToString(add.Username) != "new@example.com" {
		t.Errorf("added %q", aws.ToString(add.Username))
	}
}
