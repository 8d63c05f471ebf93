package handler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// sdkWrapped wraps err as the SDK returns it from an operation.
func sdkWrapped(op string, err error) error {
	return &smithy.OperationError{ServiceID: "Cognito Identity Provider", OperationName: op, Err: err}
}

func TestCognitoErrors(t *testing.T) {
	const internal = "User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to perform: cognito-idp:AdminCreateUser"
	get := userEvent("GET", "/users/{email}", "active@example.com")
	create := createEvent(`{"email":"new@example.com"}`)
	for _, tc := range []struct {
		name       string
		method     string // the failing Cognito method
		err        error
		e          ev
		status     int
		code       string
		retryAfter string
	}{
		{"username exists", "AdminCreateUser", &types.UsernameExistsException{Message: aws.String("exists")}, create, 409, "UserExists", ""},
		{"alias exists, untyped", "AdminCreateUser", &smithy.GenericAPIError{Code: "AliasExistsException", Message: "alias"}, create, 409, "UserExists", ""},
		{"user not found", "AdminGetUser", &types.UserNotFoundException{}, get, 404, "UserNotFound", ""},
		{"user not found, untyped", "AdminGetUser", &smithy.GenericAPIError{Code: "UserNotFoundException"}, get, 404, "UserNotFound", ""},
		// Outside a group call, it is the configured pool that is missing: a server fault.
		{"resource not found without a group", "AdminGetUser", &types.ResourceNotFoundException{}, get, 502, "UpstreamError", ""},
		{"resource not found on a list", "ListUsers", &types.ResourceNotFoundException{}, ev{method: "GET", resource: "/users"}, 502, "UpstreamError", ""},
		{"resource not found on a group", "AdminAddUserToGroup", &types.ResourceNotFoundException{}, groupEvent("PUT", "active@example.com", "support"), 404, "GroupNotFound", ""},
		{"unsupported user state", "AdminCreateUser", &types.UnsupportedUserStateException{}, create, 409, "UnsupportedUserState", ""},
		{"throttled", "AdminGetUser", &types.TooManyRequestsException{}, get, 429, "TooManyRequests", "1"},
		{"email quota, untyped", "AdminCreateUser", &smithy.GenericAPIError{Code: "LimitExceededException", Message: "Exceeded daily email limit for the operation or the account."}, create, 429, "EmailLimitExceeded", "3600"},
		{"email quota, typed", "AdminCreateUser", &types.LimitExceededException{}, create, 429, "EmailLimitExceeded", "3600"},
		{"invitation not delivered", "AdminCreateUser", &types.CodeDeliveryFailureException{}, create, 502, "InvitationNotDelivered", ""},
		{"password refused by Cognito", "AdminCreateUser", &types.InvalidPasswordException{}, create, 400, "InvalidPassword", ""},
		{"invalid parameter", "AdminCreateUser", &types.InvalidParameterException{Message: aws.String(internal)}, create, 400, "InvalidRequest", ""},
		{"IAM refusal", "AdminCreateUser", &types.NotAuthorizedException{Message: aws.String(internal)}, create, 502, "UpstreamError", ""},
		{"internal error", "AdminGetUser", &types.InternalErrorException{Message: aws.String(internal)}, get, 502, "UpstreamError", ""},
		{"unknown code", "AdminGetUser", &smithy.GenericAPIError{Code: "BrandNewException", Message: internal}, get, 502, "UpstreamError", ""},
		{"not an API error", "AdminGetUser", errors.New(internal), get, 502, "UpstreamError", ""},
		{"deadline", "AdminGetUser", context.DeadlineExceeded, get, 504, "UpstreamTimeout", ""},
		// Failures after the target was resolved.
		{"resend over the email quota", "AdminCreateUser", &smithy.GenericAPIError{Code: "LimitExceededException"},
			userEvent("POST", "/users/{email}/invitation", "pending@example.com"), 429, "EmailLimitExceeded", "3600"},
		{"resend not delivered", "AdminCreateUser", &types.CodeDeliveryFailureException{},
			userEvent("POST", "/users/{email}/invitation", "pending@example.com"), 502, "InvitationNotDelivered", ""},
		{"disable throttled", "AdminDisableUser", &types.TooManyRequestsException{}, userEvent("POST", "/users/{email}/disable", "active@example.com"), 429, "TooManyRequests", "1"},
		{"delete failing", "AdminDeleteUser", &types.InternalErrorException{}, userEvent("DELETE", "/users/{email}", "active@example.com"), 502, "UpstreamError", ""},
		{"groups of a user failing", "AdminListGroupsForUser", &types.InternalErrorException{}, get, 502, "UpstreamError", ""},
		{"canceled", "ListUsers", &smithy.CanceledError{Err: context.Canceled}, ev{method: "GET", resource: "/users"}, 504, "UpstreamTimeout", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.fake.errs[tc.method] = sdkWrapped(tc.method, tc.err)
			resp := hs.do(t, tc.e)
			e := wantError(t, resp, tc.status, tc.code)
			if got := resp.Headers["Retry-After"]; got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if strings.Contains(resp.Body, "arn:aws") || strings.Contains(resp.Body, "operation error") {
				t.Errorf("internal error text in the body: %s", resp.Body)
			}
			upstream := hs.logs.lines(t, "upstream failure")
			switch {
			case tc.status >= 500:
				if len(upstream) != 1 || upstream[0]["level"] != "ERROR" || !strings.Contains(fmt.Sprint(upstream[0]["error"]), tc.err.Error()) {
					t.Errorf("upstream failure not logged with its error: %v", upstream)
				}
			case tc.status == 429:
				if len(upstream) != 1 || upstream[0]["level"] != "WARN" {
					t.Errorf("throttling not logged: %v", upstream)
				}
			case len(upstream) != 0:
				t.Errorf("a client error logged as an upstream failure: %v", upstream)
			}
			if tc.code == "EmailLimitExceeded" && !strings.Contains(e.Error.Message, "SES") {
				t.Errorf("message %q does not point at SES", e.Error.Message)
			}
		})
	}
}

func TestIsMatchesTypedAndGeneric(t *testing.T) {
	typed := sdkWrapped("AdminGetUser", &types.UserNotFoundException{})
	generic := sdkWrapped("AdminGetUser", &smithy.GenericAPIError{Code: "UserNotFoundException"})
	other := sdkWrapped("AdminGetUser", &smithy.GenericAPIError{Code: "UserNotFoundExceptionX"})
	if !is[*types.UserNotFoundException](typed) || !is[*types.UserNotFoundException](generic) {
		t.Error("UserNotFoundException not recognised")
	}
	if is[*types.UserNotFoundException](other) || is[*types.UserNotFoundException](errors.New("UserNotFoundException")) || is[*types.UserNotFoundException](nil) {
		t.Error("matched by something other than the error code")
	}
}
