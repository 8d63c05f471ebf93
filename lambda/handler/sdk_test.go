package handler

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// stubHTTP answers the SDK's requests without a network, recording them.
type stubHTTP func(*http.Request) (*http.Response, error)

func (f stubHTTP) Do(r *http.Request) (*http.Response, error) { return f(r) }

// callerAnswers are what Cognito answers the caller check (the admin exists,
// is enabled, and is in admins); sdkHandler answers those calls itself and
// records only the route's.
var callerAnswers = map[string]string{
	"AWSCognitoIdentityProviderService.AdminGetUser":           `{"Username":"sub-0001","Enabled":true,"UserStatus":"CONFIRMED","UserAttributes":[{"Name":"email","Value":"admin@example.com"}]}`,
	"AWSCognitoIdentityProviderService.AdminListGroupsForUser": `{"Groups":[{"GroupName":"admins"}]}`,
}

// sdkHandler is a Handler over the real SDK client, whose HTTP exchanges go to answer.
func sdkHandler(t *testing.T, status int, body string) (*Handler, *[]*http.Request, *[]map[string]any) {
	t.Helper()
	var reqs []*http.Request
	var bodies []map[string]any
	client := cip.New(cip.Options{
		Region: "eu-west-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient: stubHTTP(func(r *http.Request) (*http.Response, error) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Errorf("request body is not JSON: %s", b)
			}
			if answer, ok := callerAnswers[r.Header.Get("X-Amz-Target")]; ok && m["Username"] == "sub-0001" {
				return &http.Response{
					StatusCode: http.StatusOK,
					Header:     http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
					Body:       io.NopCloser(strings.NewReader(answer)),
					Request:    r,
				}, nil
			}
			reqs, bodies = append(reqs, r), append(bodies, m)
			return &http.Response{
				StatusCode: status,
				Header:     http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Requestid": {"cognito-req-1"}},
				Body:       io.NopCloser(strings.NewReader(body)),
				Request:    r,
			}, nil
		}),
	})
	return New(testSettings(), client, slog.New(slog.NewJSONHandler(io.Discard, nil))), &reqs, &bodies
}

func TestSDKCreateRequest(t *testing.T) {
	const created = `{"User":{"Username":"0f3c5a2e-sub","Attributes":[{"Name":"sub","Value":"0f3c5a2e-sub"},{"Name":"email","Value":"new@example.com"}],
		"UserStatus":"FORCE_CHANGE_PASSWORD","Enabled":true,"UserCreateDate":1732201200,"UserLastModifiedDate":1732201200.5}}`
	for _, tc := range []struct {
		name, body string
		want       map[string]any
	}{
		{"without invitation", `{"email":"New@Example.com","sendInvitation":false}`, map[string]any{
			"UserPoolId":             testPool,
			"Username":               "new@example.com",
			"DesiredDeliveryMediums": []any{"EMAIL"},
			"UserAttributes":         []any{map[string]any{"Name": "email", "Value": "new@example.com"}, map[string]any{"Name": "email_verified", "Value": "true"}},
			"MessageAction":          "SUPPRESS",
		}},
		{"with invitation and password", `{"email":"new@example.com","temporaryPassword":"Kx9#mQ2!vLp7$wZ4"}`, map[string]any{
			"UserPoolId":             testPool,
			"Username":               "new@example.com",
			"DesiredDeliveryMediums": []any{"EMAIL"},
			"UserAttributes":         []any{map[string]any{"Name": "email", "Value": "new@example.com"}, map[string]any{"Name": "email_verified", "Value": "true"}},
			"TemporaryPassword":      "Kx9#mQ2!vLp7$wZ4",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, reqs, bodies := sdkHandler(t, 200, created)
			resp, _ := h.Handle(t.Context(), createEvent(tc.body).request(t))
			u := wantUser(t, resp, http.StatusCreated)
			if u.Username != "0f3c5a2e-sub" || u.Email != "new@example.com" || u.CreatedAt != "2024-11-21T15:00:00Z" {
				t.Errorf("user = %+v", u)
			}
			if len(*reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(*reqs))
			}
			r := (*reqs)[0]
			if got := r.Header.Get("X-Amz-Target"); got != "AWSCognitoIdentityProviderService.AdminCreateUser" {
				t.Errorf("X-Amz-Target = %q", got)
			}
			if r.Method != "POST" || r.URL.Host != "cognito-idp.eu-west-1.amazonaws.com" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
				t.Errorf("request %s %s, Authorization %q", r.Method, r.URL, r.Header.Get("Authorization"))
			}
			if got := (*bodies)[0]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AdminCreateUser body =\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

func TestSDKErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, code, retryAfter string
		status                       int
	}{
		{"username exists", `{"__type":"UsernameExistsException","message":"An account with the given email already exists."}`, "UserExists", "", 409},
		{"email quota", `{"__type":"LimitExceededException","message":"Exceeded daily email limit for the operation or the account."}`, "EmailLimitExceeded", "3600", 429},
		{"namespaced type", `{"__type":"com.amazonaws.cognito#UsernameExistsException","message":"exists"}`, "UserExists", "", 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, reqs, _ := sdkHandler(t, 400, tc.body)
			resp, _ := h.Handle(t.Context(), createEvent(`{"email":"new@example.com"}`).request(t))
			wantError(t, resp, tc.status, tc.code)
			if got := resp.Headers["Retry-After"]; got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if len(*reqs) != 1 {
				t.Errorf("%d requests, want 1", len(*reqs))
			}
		})
	}
}
