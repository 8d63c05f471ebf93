package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/auditlog"
)

// Records is the audit trail as the handler uses it; *audit.Store satisfies it.
type Records interface {
	Put(context.Context, audit.Record) error
	Query(ctx context.Context, f audit.Filter, limit int32, cur *audit.Cursor, now time.Time) ([]audit.Record, *audit.Cursor, error)
}

var _ Records = (*audit.Store)(nil)

// WithRecords makes the handler write every audit line's record to r too,
// and serve GET /audit and the users' histories from it.
func (h *Handler) WithRecords(r Records) *Handler {
	h.records = r
	return h
}

// record builds the call's audit record: the one type the table, the
// events and their schemas share.
func (h *Handler) record(c *call, action string, status int, at time.Time) audit.Record {
	r := audit.Record{
		ID:        audit.NewID(at, c.req.RequestContext.RequestID),
		Time:      at.UTC(),
		RequestID: c.req.RequestContext.RequestID,
		// The roles live from the pool (as authorize read them) and the permission the route used or lacked.
		Actor:     audit.Actor{Sub: c.caller.sub, Email: c.caller.email, IdP: c.caller.idp, Roles: c.caller.grant.Roles(), Permission: string(c.permission)},
		Action:    action,
		Target:    c.target,
		Group:     c.group,
		Outcome:   auditlog.OutcomeSuccess,
		Status:    status,
		SourceIP:  c.req.RequestContext.Identity.SourceIP,
		UserAgent: c.req.RequestContext.Identity.UserAgent,
	}
	if c.failure != nil {
		r.Outcome, r.Reason = c.failure.code, c.failure.reason
	} else {
		// A refused or failed change changed nothing the call knows of: no before/after.
		r.Before, r.After = c.before, c.after
	}
	details := map[string]any{}
	if len(c.groups) > 0 {
		details[auditlog.Groups] = c.groups
	}
	if c.invited {
		details[auditlog.InvitationSent] = true
	}
	if c.signOutFailed {
		details[auditlog.SignedOut] = false
	}
	if c.failure != nil && c.failure.rule != "" {
		// The outcome alone (NotPermitted, UserNotFound) does not say which rule of lambda/access refused.
		details[auditlog.Rule] = c.failure.rule
	}
	for _, a := range c.extra {
		details[a.Key] = a.Value.Any()
	}
	if len(details) > 0 {
		r.Details = details
	}
	return r
}

// writeRecord puts the call's record in the table. Cognito's change, if
// any, is done by then and cannot be undone atomically, so a failed write
// changes neither the change nor the answer: the whole record goes to the
// log at ERROR under auditlog.MessageRecordUnwritten, which an alarm counts.
func (h *Handler) writeRecord(ctx context.Context, c *call, r audit.Record) {
	if h.records == nil {
		return
	}
	// Its own short deadline, even when the request's is spent (the record
	// matters more than a late answer), but never past the invocation's, when
	// the Lambda would be stopped mid-call and the ERROR line never written.
	end := time.Now().Add(recordTimeout)
	if !c.deadline.IsZero() && c.deadline.Before(end) {
		end = c.deadline
	}
	wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), end)
	defer cancel()
	err := h.records.Put(wctx, r)
	if err == nil {
		return
	}
	h.log.LogAttrs(ctx, slog.LevelError, auditlog.MessageRecordUnwritten,
		slog.Any(auditlog.Record, r), slog.String(auditlog.RequestID, r.RequestID), slog.String("error", err.Error()))
}

// recordTimeout bounds the audit write: DynamoDB answers in milliseconds, and the SDK retries within it.
const recordTimeout = 2 * time.Second

// stateOf is what the audit record keeps of a user: the managed state, copied.
func stateOf(u user) *audit.State {
	s := &audit.State{
		Status:     u.Status,
		Enabled:    &u.Enabled,
		Groups:     slices.Clone(u.Groups),
		GivenName:  u.GivenName,
		FamilyName: u.FamilyName,
		Attributes: maps.Clone(u.Attributes),
	}
	if u.MFAEnabled != nil {
		v := *u.MFAEnabled
		s.MFAEnabled = &v
	}
	if len(s.Attributes) == 0 {
		s.Attributes = nil
	}
	return s
}

// changed records the user's state before a change and after it.
func (c *call) changed(before user, change func(*user)) user {
	c.before = stateOf(before)
	after := before
	after.Groups = slices.Clone(before.Groups)
	after.Attributes = maps.Clone(before.Attributes)
	change(&after)
	c.after = stateOf(after)
	return after
}

// permit asks the caller's roles for a permission named by lambda/audit
// (audit.PermissionRead is lambda/access's audit:read). A role with
// audit:read is never scoped (access.Role.Validate refuses it): the trail
// names users the scope would hide, so no scoped role may read it.
func (h *Handler) permit(c *call, p string) error { return c.need(access.Permission(p)) }

type auditBody struct {
	Records   []audit.Record `json:"records"`
	NextToken string         `json:"nextToken,omitempty"`
}

// auditQuery answers GET /audit: the records matching the filters, newest first.
func (h *Handler) auditQuery(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := h.permit(c, audit.PermissionRead); err != nil {
		return none, err
	}
	return h.answerRecords(ctx, c, "audit", []string{"user", "actor", "action", "since", "until"}, audit.Filter{})
}

// history answers GET /users/{email}/history: one user's records, newest first.
func (h *Handler) history(ctx context.Context, c *call) (events.APIGatewayProxyResponse, error) {
	if err := c.readTarget(); err != nil {
		return none, err
	}
	if err := h.permit(c, audit.PermissionRead); err != nil {
		return none, err
	}
	// Like every route on one user, a user out of the caller's sight is not
	// found. audit:read is held by unscoped roles only (access.Role.Validate),
	// so its holders see everyone, deleted users' histories included; should
	// a scoped caller ever get here, the user must exist and be in scope.
	if !c.caller.grant.Sight().All {
		if _, _, err := h.target(ctx, c, func(g access.Grant, groups []string) error { return g.Read(groups) }); err != nil {
			return none, err
		}
	}
	// The scope binds tokens to this user: another user's would read another partition.
	return h.answerRecords(ctx, c, "history "+c.target, []string{"action", "since", "until"}, audit.Filter{User: c.target})
}

// maxRecords is the most records one page holds.
const maxRecords = 100

func (h *Handler) answerRecords(ctx context.Context, c *call, scope string, allowed []string, f audit.Filter) (events.APIGatewayProxyResponse, error) {
	if h.records == nil {
		return none, newError(http.StatusNotImplemented, "AuditNotConfigured", "this deployment has no audit table")
	}
	params, err := singleQueryParams(c.req)
	if err != nil {
		return none, err
	}
	limit := int32(50)
	filters := url.Values{}
	var token string
	for _, key := range slices.Sorted(maps.Keys(params)) {
		v := params[key]
		switch {
		case key == "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxRecords {
				return none, badRequest("limit must be a whole number from 1 to %d", maxRecords)
			}
			limit = int32(n)
		case key == "nextToken":
			token = v
		case slices.Contains(allowed, key):
			filters.Set(key, v)
			if err := setFilter(&f, key, v); err != nil {
				return none, err
			}
		default:
			return none, badRequest("unknown query parameter %q (allowed: %s, limit, nextToken)", key, strings.Join(allowed, ", "))
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Since.After(f.Until) {
		return none, badRequest("since must not be after until")
	}
	// Bound to the pool, the listing and its filters: a token answers only the query that issued it.
	scope = h.settings.UserPoolID + " " + scope + " " + filters.Encode()
	var cur *audit.Cursor
	if token != "" {
		raw, err := decodeToken(scope, token)
		if err != nil {
			return none, newError(http.StatusBadRequest, "InvalidNextToken", "nextToken is not a token this API issued for this query")
		}
		cur = &audit.Cursor{}
		if err := json.Unmarshal([]byte(raw), cur); err != nil {
			return none, newError(http.StatusBadRequest, "InvalidNextToken", "nextToken is not a token this API issued for this query")
		}
	}
	recs, next, err := h.records.Query(ctx, f, limit, cur, h.now())
	if err != nil {
		// Not Cognito's: say which service failed, and keep the cause for the log.
		e := newError(http.StatusBadGateway, "UpstreamError", "the audit table could not be read")
		if is[*ddbtypes.ProvisionedThroughputExceededException](err) || is[*ddbtypes.RequestLimitExceeded](err) {
			e = newError(http.StatusTooManyRequests, "TooManyRequests", "the audit table is busy: retry shortly")
			e.retryAfter = 1
		}
		e.cause = err
		return none, e
	}
	body := auditBody{Records: recs}
	if body.Records == nil {
		body.Records = []audit.Record{} // always an array, as users is
	}
	if next != nil {
		b, _ := json.Marshal(next) // strings only
		body.NextToken = encodeToken(scope, string(b))
	}
	return jsonResponse(http.StatusOK, body), nil
}

func setFilter(f *audit.Filter, key, v string) error {
	switch key {
	case "user":
		e, err := NormalizeEmail(v)
		if err != nil {
			return invalidEmail("user", err)
		}
		f.User = e
	case "actor":
		// An admin's email, or the sub of a caller whose token had none.
		if strings.Contains(v, "@") {
			e, err := NormalizeEmail(v)
			if err != nil {
				return invalidEmail("actor", err)
			}
			v = e
		}
		// A SCIM principal's sub is scim:<client id> or scim:bearer (scim.go).
		if v == "" || (!strings.Contains(v, "@") && !isSub(v) && !isSCIMSub(v)) {
			return badRequest("actor must be an email, a sub, or a SCIM principal (scim:…)")
		}
		f.Actor = v
	case "action":
		if !slices.Contains(actions, v) {
			return badRequest("action %q is not one of %s", v, strings.Join(actions, ", "))
		}
		f.Action = v
	case "since", "until":
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return badRequest("%s must be an RFC 3339 time, e.g. 2026-01-31T09:00:00Z", key)
		}
		if key == "since" {
			f.Since = t
		} else {
			f.Until = t
		}
	}
	return nil
}

// Actions are the audit actions: every route's, and read for refused reads,
// sorted. A test holds this list to the route table's.
func Actions() []string { return slices.Clone(actions) }

var actions = []string{"create", "delete", "disable", "enable", "group_add", "group_remove", "mfa_remove", "password", auditlog.ActionRead, "resend", auditlog.ActionRoleGrant, auditlog.ActionRoleRevoke, "sign_out", "update"}

// singleQueryParams reads the query string, refusing a repeated parameter.
func singleQueryParams(req events.APIGatewayProxyRequest) (map[string]string, error) {
	out := map[string]string{}
	for k, vals := range queryParams(req) {
		if len(vals) != 1 {
			return nil, badRequest("query parameter %q is repeated", k)
		}
		out[k] = vals[0]
	}
	return out, nil
}

// groupsBefore keeps the target's groups, as target read them, for the
// audit record's before and after of a group change: the membership routes
// read nothing else that a record needs, and without it the record could
// not say whether the change changed anything (adding a member is idempotent).
func (c *call) groupsBefore(groups []string) {
	c.before = &audit.State{Groups: slices.Clone(groups)}
	slices.Sort(c.before.Groups)
}

// groupsAfter derives the after of a group change from its before.
func (c *call) groupsAfter(change func([]string) []string) {
	if c.before == nil {
		return
	}
	c.after = c.before.Clone()
	c.after.Groups = change(c.after.Groups)
	slices.Sort(c.after.Groups)
}

// isSub reports whether v has the shape of a Cognito sub (a UUID).
func isSub(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i, r := range v {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}
