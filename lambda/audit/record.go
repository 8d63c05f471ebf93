// Package audit is the product's audit trail: one Record type that the
// audit table's items, the events on the environment's bus (their detail is
// the record's JSON) and the events' JSON Schemas (api/events/) all come
// from, and the Store that writes records (append-only) and reads them
// (DynamoDB queries only, never a scan).
package audit

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"time"
)

// PermissionRead is the permission GET /audit and a user's history need
// where roles exist; without roles, admins hold it.
const PermissionRead = "audit:read"

// Record is one change the API made, or one call it refused: who (Actor)
// did what (Action) to whom (Target), how it ended, and for changes the
// target's state before and after. It never holds a password, code or token.
type Record struct {
	// ID orders records by time and is unique: the time, then the request id.
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Actor     Actor     `json:"actor"`
	// Action is the API operation, as in the audit log line (create, disable, group_add, …).
	Action string `json:"action"`
	// Target is the user acted on, a normalised email; absent when not known.
	Target string `json:"target,omitempty"`
	// Group is the group of a group route.
	Group string `json:"group,omitempty"`
	// Outcome is "success" or the API error code answered.
	Outcome string `json:"outcome"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// Reason says why a caller was refused (Forbidden only).
	Reason string `json:"reason,omitempty"`
	// Before and After are the target's state around a change, as far as
	// the call read it; absent where there is none (before a create, after
	// a delete) and on refusals.
	Before *State `json:"before,omitempty"`
	After  *State `json:"after,omitempty"`
	// Details are route-specific facts that are neither state nor secret:
	// the password mode, the names of changed attributes, whether an
	// invitation was sent or a sign-out failed.
	Details   map[string]any `json:"details,omitempty"`
	SourceIP  string         `json:"sourceIp,omitempty"`
	UserAgent string         `json:"userAgent,omitempty"`
}

// Actor is who made the call, from the ID token and the pool; or, for a
// change an identity provider made over SCIM, the SCIM principal (sub
// "scim:<client id>" or "scim:bearer") and the IdP's name.
type Actor struct {
	Sub   string `json:"sub"`
	Email string `json:"email,omitempty"`
	// IdP names the identity provider of a SCIM change (e.g. "okta"); absent for an admin.
	IdP string `json:"idp,omitempty"`
	// Roles and Permission are those of the role model where it exists.
	Roles      []string `json:"roles,omitempty"`
	Permission string   `json:"permission,omitempty"`
}

// State is what the API manages of a user. Fields the call did not read
// are absent; groups absent means none or not read.
type State struct {
	Status     string            `json:"status,omitempty"`
	Enabled    *bool             `json:"enabled,omitempty"`
	Groups     []string          `json:"groups,omitempty"`
	GivenName  string            `json:"givenName,omitempty"`
	FamilyName string            `json:"familyName,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	MFAEnabled *bool             `json:"mfaEnabled,omitempty"`
}

// Clone returns a deep copy, so an After derived from a Before does not share its slices or maps.
func (s *State) Clone() *State {
	if s == nil {
		return nil
	}
	c := *s
	c.Groups = slices.Clone(s.Groups)
	c.Attributes = maps.Clone(s.Attributes)
	if s.Enabled != nil {
		c.Enabled = ptr(*s.Enabled)
	}
	if s.MFAEnabled != nil {
		c.MFAEnabled = ptr(*s.MFAEnabled)
	}
	return &c
}

func ptr[T any](v T) *T { return &v }

// OutcomeSuccess is the outcome of a change that went through.
const OutcomeSuccess = "success"

// eventTypes maps the actions that change a user to their event's detail-type.
var eventTypes = map[string]string{
	"create":       "UserCreated",
	"resend":       "UserInvited",
	"disable":      "UserDisabled",
	"enable":       "UserEnabled",
	"delete":       "UserDeleted",
	"update":       "UserUpdated",
	"group_add":    "UserGroupAdded",
	"group_remove": "UserGroupRemoved",
	"password":     "UserPasswordReset",
	"mfa_remove":   "UserMFARemoved",
	"sign_out":     "UserSignedOut",
	// A role group's membership is a group change too, but its own event:
	// a subscriber to role changes (a security team) needs no filter on the group.
	"role_grant":  "UserRoleGranted",
	"role_revoke": "UserRoleRevoked",
}

// EventType is the detail-type of the event this record publishes, or ""
// when it publishes none: only successful changes become events.
func (r Record) EventType() string {
	if r.Outcome != OutcomeSuccess || r.Status >= 300 {
		return ""
	}
	return eventTypes[r.Action]
}

// EventTypes are every event's detail-type with the action behind it, sorted by type.
func EventTypes() map[string]string {
	out := make(map[string]string, len(eventTypes))
	for action, typ := range eventTypes {
		out[typ] = action
	}
	return out
}

// timeLayout is fixed-width, so IDs and sort keys order as times do.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// NewID returns the record id for a call at t with requestID; a call
// without one (not through API Gateway) gets a random one, so ids stay unique.
func NewID(t time.Time, requestID string) string {
	if requestID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		requestID = "local-" + hex.EncodeToString(b)
	}
	return t.UTC().Format(timeLayout) + "#" + requestID
}
