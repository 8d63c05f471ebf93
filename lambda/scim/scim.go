// Package scim is the SCIM 2.0 endpoint (RFC 7643, RFC 7644) through which
// an identity provider (Okta, Microsoft Entra ID) provisions the pool's
// users and the membership of its managed groups. It is the protocol only:
// parsing, filters, PATCH, paging, resources and errors. Every change and
// read goes through Operations, which the admin API's handler implements
// with its own routes, so the validation, roles, scope and audit are the
// API's, never a second copy.
package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The SCIM schema and message URNs.
const (
	SchemaUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaError          = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaSPConfig       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	SchemaEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// ContentType is the media type of every answer (RFC 7644 §3.1).
const ContentType = "application/scim+json"

// User is a pool user as SCIM sees it. ID is the Cognito sub, UserName the
// normalised email (the pool's username attribute).
type User struct {
	ID           string
	UserName     string
	ExternalID   string
	GivenName    string
	FamilyName   string
	Active       bool
	Created      time.Time
	LastModified time.Time
}

// NewUser is a user to create.
type NewUser struct {
	UserName   string
	ExternalID string
	GivenName  string
	FamilyName string
	Active     bool
}

// UserChange is what a PUT or PATCH changes; nil leaves a field as it is.
type UserChange struct {
	GivenName, FamilyName, ExternalID *string
	Active                            *bool
}

// empty reports whether the change changes nothing.
func (c UserChange) empty() bool {
	return c.GivenName == nil && c.FamilyName == nil && c.ExternalID == nil && c.Active == nil
}

// UserQuery narrows the users Operations.Users reads, from an eq term of
// the filter that the pool can search for; the zero value asks for every
// user the principal sees. The filter itself is applied here after.
type UserQuery struct {
	ID         string // the sub
	UserName   string // the email, as given: Operations normalises it
	ExternalID string
}

// Group is one of the pool's managed groups: ID and DisplayName are its name.
type Group struct {
	Name         string
	Created      time.Time
	LastModified time.Time
}

// Member is a user in a group.
type Member struct {
	ID       string // the sub
	UserName string
}

// Operations is what the SCIM endpoint may do, implemented by the admin
// API's handler with the principal's role: each method applies the same
// validation, permissions, scope and audit as the REST route it stands for.
// Errors are *Error where the cause is known; any other error is answered
// as a 500 without its text.
type Operations interface {
	CreateUser(ctx context.Context, u NewUser) (User, error)
	// GetUser answers 404 (*Error) for an unknown id and a user out of the principal's sight alike.
	GetUser(ctx context.Context, id string) (User, error)
	// Users answers the users in sight that q names (all of them for the zero UserQuery), in any order.
	Users(ctx context.Context, q UserQuery) ([]User, error)
	UpdateUser(ctx context.Context, id string, c UserChange) (User, error)
	// DeleteUser deletes the user, or disables them where the deployment says so.
	DeleteUser(ctx context.Context, id string) error
	// Groups answers the groups the principal may see and manage, in a stable order.
	Groups(ctx context.Context) ([]Group, error)
	Members(ctx context.Context, group string) ([]Member, error)
	AddMember(ctx context.Context, group, userID string) error
	RemoveMember(ctx context.Context, group, userID string) error
}

// Error is a SCIM error (RFC 7644 §3.12): an HTTP status, the optional
// scimType, and a detail safe to show.
type Error struct {
	Status   int
	ScimType string
	Detail   string
	// RetryAfter, in seconds, becomes a Retry-After header when set.
	RetryAfter int
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.ScimType, e.Detail) }

// The scimType values of RFC 7644 §3.12 this endpoint answers.
const (
	TypeInvalidFilter = "invalidFilter"
	TypeTooMany       = "tooMany"
	TypeUniqueness    = "uniqueness"
	TypeMutability    = "mutability"
	TypeInvalidSyntax = "invalidSyntax"
	TypeInvalidPath   = "invalidPath"
	TypeNoTarget      = "noTarget"
	TypeInvalidValue  = "invalidValue"
)

func errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func badRequest(scimType, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, scimType, format, args...)
}

// NotFound is the error of an unknown (or unseen) resource.
func NotFound(what string) *Error {
	return errorf(http.StatusNotFound, "", "%s not found", what)
}

// asError is err as the endpoint answers it.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errorf(http.StatusInternalServerError, "", "the request could not be processed")
}
