package handler

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

// caller is the admin making the request, from the ID token's claims.
type caller struct {
	sub   string
	email string // normalised, or empty when the token has none
	// username is the account the token names (cognito:username, else sub),
	// looked up in the pool on every request.
	username string
	// grant is what the caller's roles allow, from their groups in the pool now.
	grant access.Grant
	// liveEmail is the email the pool holds for the account now.
	liveEmail string
	// idp names the identity provider of a SCIM principal (scim.go); empty for an admin.
	idp string
}

// forbidden refuses the caller. reason is a stable word for the audit line
// (and the queries over it); message is what the client reads.
func forbidden(reason, message string) *apiError {
	e := newError(http.StatusForbidden, "Forbidden", "%s", message)
	e.reason = reason
	return e
}

// authorize admits only ID tokens of admin-group members whose account, in
// the pool right now, still exists, is enabled and is in an admin group.
// API Gateway's Cognito authorizer has already checked the token's signature.
// The caller comes back even when refused, so the audit line names who tried.
func (h *Handler) authorize(ctx context.Context, req events.APIGatewayProxyRequest) (caller, error) {
	claims := claimsOf(req)
	if claims == nil {
		return caller{}, forbidden("no_claims", "the request carries no token claims")
	}
	c := caller{sub: claimString(claims["sub"])}
	c.username = cmp.Or(claimString(claims["cognito:username"]), c.sub)
	if e, err := NormalizeEmail(claimString(claims["email"])); err == nil {
		c.email = e
	}
	// The authorizer also accepts access tokens; those carry no email, and this API is documented for ID tokens.
	if use, ok := claims["token_use"]; ok && use != "id" {
		return c, forbidden("not_id_token", "the token must be a Cognito ID token")
	}
	if err := h.checkClient(claims); err != nil {
		return c, err
	}
	admin := false
	for _, g := range groupsClaim(claims["cognito:groups"]) {
		admin = admin || h.settings.IsAdminGroup(g)
	}
	if !admin {
		return c, forbidden("token_not_admin", "caller is not in an admin group")
	}
	if c.sub == "" {
		// Without a sub, self-protection could not recognise the caller's own account.
		return c, forbidden("no_sub", "the token has no sub claim")
	}
	// The token's claims are frozen when it is issued: the pool says whether they still hold.
	live, err := h.checkAccount(ctx, c.username)
	if err != nil {
		return c, err
	}
	// The roles are the pool's, not the token's: a role taken away binds at once.
	c.grant, c.liveEmail = h.policy.Grant(live.groups), live.email
	// A token without an email (some issuers leave it out) still names the actor in the audit trail, by the pool's email.
	c.email = cmp.Or(c.email, live.email)
	if !c.grant.Any() {
		return c, forbidden("caller_not_admin", "the caller is no longer in an admin group")
	}
	return c, access.RequireMFA(h.settings.AdminMFARequired, live.mfa)
}

// checkClient admits only ID tokens issued to an app client the
// configuration allows for this API (by default the admin client only), so
// an application's own tokens, kept in browsers, cannot drive the admin API.
// The ID token's aud claim is the client it was issued to.
func (h *Handler) checkClient(claims map[string]any) error {
	if !h.settings.IsAPIClient(claimString(claims["aud"])) {
		return forbidden("wrong_client", "the token was issued to an app client that may not call this API: sign in through the admin client")
	}
	return nil
}

// claimsOf returns the authorizer's claims as strings or lists. The real
// gateway gives map[string]interface{}; a local gateway may give strings.
func claimsOf(req events.APIGatewayProxyRequest) map[string]any {
	switch m := req.RequestContext.Authorizer["claims"].(type) {
	case map[string]any:
		return m
	case map[string]string:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return nil
}

func claimString(v any) string {
	s, _ := v.(string)
	return s
}

// groupsClaim reads cognito:groups in every form API Gateway and local tools
// send it: "a,b", "[a b]" (the REST authorizer's rendering of a list), a JSON
// array inside a string, or a real array.
func groupsClaim(v any) []string {
	switch g := v.(type) {
	case []string:
		return g
	case []any:
		out := make([]string, 0, len(g))
		for _, x := range g {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		var list []string
		if json.Unmarshal([]byte(g), &list) == nil {
			return list
		}
		g = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(g), "["), "]")
		// Cognito group names hold no whitespace, so both separators are safe.
		return strings.FieldsFunc(g, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	}
	return nil
}

// refuseIfSelf refuses when target is the caller's own account. The target's
// username is the caller's sub (or the token's username) when it is the same
// account; the email is a further key, so a token without the expected sub still matches.
func (c *call) refuseIfSelf(target user) error {
	email, _ := NormalizeEmail(target.Email)
	if target.Username == c.caller.sub || target.Username == c.caller.username || (c.caller.email != "" && email == c.caller.email) {
		return newError(http.StatusForbidden, "CannotModifySelf", "admins cannot disable, delete or remove an admin group from their own account")
	}
	return nil
}
