package handler

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// apiError is every failure the API answers with: the status, the stable
// code clients switch on, and a message safe to show. cause keeps the
// upstream error for the logs only; it never reaches the body.
type apiError struct {
	status  int
	code    string
	message string
	// retryAfter, in seconds, becomes a Retry-After header when set.
	retryAfter int
	// allow lists the methods of a 405, for its Allow header.
	allow string
	cause error

	// reason says, for the audit line only, why a caller was refused.
	reason string
	// rule names, for the audit line only, the rule of lambda/access that refused the call.
	rule string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "InvalidRequest", format, args...)
}

// asAPIError turns whatever a route returned into the error it answers with:
// its own apiError as is, anything else as a Cognito failure.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if r, ok := asRefusal(err); ok {
		return fromRefusal(r)
	}
	return fromCognito(err, false)
}

// fromCognito is the one place Cognito's errors become API errors. group says
// whether the call named a group, so ResourceNotFoundException means that group.
func fromCognito(err error, group bool) *apiError {
	e := fromCognitoCode(err, group)
	e.cause = err
	return e
}

func fromCognitoCode(err error, group bool) *apiError {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return newError(http.StatusGatewayTimeout, "UpstreamTimeout", "Cognito did not answer in time")
	case is[*types.UsernameExistsException](err), is[*types.AliasExistsException](err):
		return newError(http.StatusConflict, "UserExists", "a user with this email already exists")
	case is[*types.UserNotFoundException](err):
		return newError(http.StatusNotFound, "UserNotFound", "user not found")
	case is[*types.ResourceNotFoundException](err) && group:
		return newError(http.StatusNotFound, "GroupNotFound", "group not found")
	case is[*types.ResourceNotFoundException](err):
		// Outside a group call, the missing resource is the configured pool: the deployment is wrong, not the request.
		return newError(http.StatusBadGateway, "UpstreamError", "the API's user pool could not be found")
	case is[*types.UnsupportedUserStateException](err):
		return newError(http.StatusConflict, "UnsupportedUserState", "the user's state does not allow this operation")
	case is[*types.TooManyRequestsException](err):
		e := newError(http.StatusTooManyRequests, "TooManyRequests", "Cognito is throttling requests; retry later")
		e.retryAfter = 1
		return e
	case is[*types.LimitExceededException](err):
		e := newError(http.StatusTooManyRequests, "EmailLimitExceeded",
			"Cognito's daily email quota is reached; configure an SES sender for the user pool to raise it, or retry later")
		// The built-in sender's quota is daily: retrying within the second only burns attempts.
		e.retryAfter = 3600
		return e
	case is[*types.CodeDeliveryFailureException](err):
		return newError(http.StatusBadGateway, "InvitationNotDelivered", "Cognito could not deliver the invitation email")
	case is[*types.InvalidPasswordException](err):
		// Cognito's own text is not echoed: the pool's policy is checked before the call, and its text is not ours to promise.
		return newError(http.StatusBadRequest, "InvalidPassword", "temporaryPassword does not satisfy the user pool's password policy")
	case is[*types.InvalidParameterException](err):
		return newError(http.StatusBadRequest, "InvalidRequest", "Cognito refused a parameter of the request")
	default:
		return newError(http.StatusBadGateway, "UpstreamError", "Cognito failed to process the request")
	}
}

// is reports whether err is the Cognito error T: typed by the SDK, or left
// generic with T's code, as happens for errors an operation's model does not
// list (LimitExceededException and AliasExistsException on AdminCreateUser).
func is[T smithy.APIError](err error) bool {
	var typed T
	if errors.As(err, &typed) {
		return true
	}
	var api smithy.APIError
	// A nil T still answers ErrorCode with its default code.
	return errors.As(err, &api) && api.ErrorCode() == typed.ErrorCode()
}
