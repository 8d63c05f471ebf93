// Package auditlog is the contract between the Lambda's audit lines and the
// infrastructure that reads them: the metric filters, alarms and saved Logs
// Insights queries in infra/ match these names, and the handler writes them.
// A renamed field then breaks a test, not an alarm that silently never fires.
//
// An audit line is one JSON object per mutating call (and per refused
// call), written with the Lambda's JSON log format:
//
//	{"timestamp":"…","level":"INFO","message":"audit","action":"create",
//	 "caller_sub":"…","caller_email":"…","target":"…","groups":["…"],
//	 "invitation_sent":true,"outcome":"success","status":201,
//	 "request_id":"…","requestId":"…"}
//
// group appears on group routes, groups on creates that name groups,
// invitation_sent when an email went out, reason on refusals, signed_out
// when a disable or a password reset or replacement could not end the user's
// sessions; caller_roles on every line of a caller who holds a role,
// permission on every line of a route that needs one, rule on refusals by a
// rule of lambda/access, notice on a change that is allowed but to be read
// with care (a role holder's MFA removed);
// requestId is the Lambda invocation's, added by the runtime's logger.
package auditlog

// Message is the log line's message: what tells an audit line from the others.
const Message = "audit"

// MessageKey is the key the Lambda's JSON logger gives the message
// (lambdacontext renames slog's "msg").
const MessageKey = "message"

// Field names, in the order the line holds them.
const (
	Action      = "action"       // string: see the Action* values
	CallerSub   = "caller_sub"   // string: the caller's Cognito sub
	CallerEmail = "caller_email" // string: the caller's email, normalised, or ""
	// CallerIdP names the identity provider of a SCIM call (its caller_sub is scim:…); absent otherwise.
	CallerIdP = "caller_idp"
	Target    = "target" // string: the user acted on, normalised email, or "" when not known
	Group     = "group"  // string, on group routes only
	Groups    = "groups" // array of strings, on creates that add groups only
	// InvitationSent is true when Cognito accepted an invitation email
	// (a create that sends one, a resend, a new temporary password emailed), absent otherwise, even when a
	// later step (adding a group, re-reading the user) failed.
	InvitationSent = "invitation_sent"
	// Reason says why a caller was refused (Forbidden), e.g. caller_disabled, caller_not_admin.
	Reason = "reason"
	// SignedOut is false when a disable or a password reset or replacement worked
	// but ending the user's sessions failed; absent otherwise.
	SignedOut = "signed_out"
	// CallerRoles are the caller's roles (admin groups), live from the pool, sorted.
	CallerRoles = "caller_roles"
	// Permission is the permission the call used (or lacked), e.g. users:disable.
	Permission = "permission"
	// Rule names the rule of lambda/access that refused the call (e.g. takeover, escalation, last_holder).
	Rule = "rule"
	// Notice marks a change that went through but deserves a reader's eye: NoticeRoleHolderMFARemoved.
	Notice    = "notice"
	Outcome   = "outcome"    // string: OutcomeSuccess or the API error code
	Status    = "status"     // number: the HTTP status answered
	RequestID = "request_id" // string: API Gateway's request id, as in the error body
)

// Outcomes the infrastructure counts. Any other error code of the API can
// appear as an outcome too.
const (
	OutcomeSuccess = "success"
	// OutcomeForbidden is an authorization refusal: no admin group, not an ID token.
	OutcomeForbidden = "Forbidden"
	// OutcomeEmailLimit is an invitation refused because Cognito's daily email cap is reached.
	OutcomeEmailLimit = "EmailLimitExceeded"
	// OutcomeNotPermitted is a refusal of an admin by their roles' rules.
	OutcomeNotPermitted = "NotPermitted"
)

// NoticeRoleHolderMFARemoved is the notice of a role holder's MFA removal:
// allowed (devices get lost), and how a takeover would begin.
const NoticeRoleHolderMFARemoved = "role_holder_mfa_removed"

// Actions the infrastructure counts; the handler's route table holds them all.
const (
	ActionCreate = "create"
	ActionResend = "resend"
	// ActionRead is a refused read (GET): reads are audited only when refused.
	ActionRead = "read"
	// ActionRoleGrant and ActionRoleRevoke are a role group's membership
	// given or taken (group_add and group_remove of other groups); each
	// success raises the role-change alarm.
	ActionRoleGrant  = "role_grant"
	ActionRoleRevoke = "role_revoke"
)

// MessageRecordUnwritten is the message of the ERROR line written when an
// audit record could not be put in the audit table: the change (if any)
// stands, and the line holds the whole record under Record. An alarm counts
// these lines; an operator copies the record into the table from them.
const MessageRecordUnwritten = "audit record unwritten"

// Record is the field of a MessageRecordUnwritten line that holds the record (lambda/audit.Record's JSON).
const Record = "record"
