package handler

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Page sizes of the list routes (GET /users, GET /groups/{group}/users).
// Cognito answers at most 60 users a call. A page with the users' groups
// costs one more call per user, so it stays at one Cognito page. A page
// without them may span several Cognito pages: the live check costs two
// calls per API request, so a long listing (an export) spends fewer calls
// per user in larger pages.
const (
	cognitoPage   = 60
	maxGroupsPage = 60
	maxPage       = 600
	defaultPage   = 25
)

// minPageTime is the least time left before the Cognito calls' deadline for
// which a further Cognito page of the same request is read; a page that
// took longer raises it to twice that page's time. Short of it, the page is
// answered with what was read and a nextToken, rather than as a 504.
const minPageTime = time.Second

// paging is what both list routes read from the query: the page size, the
// unwrapped Cognito token, and whether each user's groups are wanted.
type paging struct {
	limit  int32
	token  string
	groups bool
}

// readPaging reads one of the paging parameters (limit, nextToken, groups)
// into p; ok is false for any other key. invalidToken is the route's refusal of a token.
func readPaging(p *paging, key, val, scope string, invalidToken *apiError) (ok bool, _ error) {
	switch key {
	case "limit":
		n, ok := parseLimit(val)
		if !ok {
			return true, limitError()
		}
		p.limit = n
	case "nextToken":
		t, err := decodeToken(scope, val)
		if err != nil {
			return true, invalidToken
		}
		p.token = t
	case "groups":
		// Only the two spellings the OpenAPI client sends: "1" or "yes" would be a guess.
		switch val {
		case "true":
			p.groups = true
		case "false":
			p.groups = false
		default:
			return true, badRequest("groups must be true or false")
		}
	default:
		return false, nil
	}
	return true, nil
}

// parseLimit accepts a whole number from 1 to maxPage.
func parseLimit(v string) (int32, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, false
	}
	return int32(n), true
}

func limitError() *apiError {
	return badRequest("limit must be a whole number from 1 to %d, or to %d with groups=true", maxPage, maxGroupsPage)
}

// check holds the limit to the page size the groups choice allows, once every parameter is read.
func (p paging) check() error {
	if p.groups && p.limit > maxGroupsPage {
		return limitError()
	}
	return nil
}

// queryParams returns the query as multi-value parameters, whichever map API Gateway filled.
func queryParams(req events.APIGatewayProxyRequest) map[string][]string {
	params := req.MultiValueQueryStringParameters
	if len(params) == 0 {
		params = map[string][]string{}
		for k, v := range req.QueryStringParameters {
			params[k] = []string{v}
		}
	}
	return params
}

// fetchPage reads one Cognito page of at most limit users after token (empty: the first).
type fetchPage func(ctx context.Context, limit int32, token string) (users []types.UserType, next string, err error)

// maxAnswerBytes bounds the users' JSON in one list answer. Lambda refuses
// a response over 6 MB, and a proxy response carries the body escaped
// inside JSON; 600 users with large custom attributes could pass it.
const maxAnswerBytes = 4 << 20

// readPages gathers up to p.limit users from Cognito pages of at most 60,
// following Cognito's token from p.token, and returns them with the token
// that continues after them (empty when the listing is done). It reads at
// most the Cognito pages a full page needs, so a filtered ListUsers, which
// may answer short pages, costs no more calls per request than an unfiltered
// one: the answer is then a short page with a nextToken. It also stops early
// when the next Cognito page might not end before the deadline or might take
// the answer over maxAnswerBytes, and when a Cognito page after the first
// fails: what was read is answered, so neither the work nor the calls are
// lost, and the next request meets the failure.
func (h *Handler) readPages(ctx context.Context, p paging, fetch fetchPage) ([]types.UserType, string, error) {
	var (
		users         []types.UserType
		token         = p.token
		slowest       time.Duration
		size, largest int // the users' JSON so far, and the largest Cognito page's
		calls         = int((p.limit + cognitoPage - 1) / cognitoPage)
	)
	for i := range calls {
		if i > 0 && (!h.timeLeftFor(ctx, slowest) || size+largest > maxAnswerBytes) {
			break
		}
		start := h.now()
		page, next, err := fetch(ctx, min(cognitoPage, p.limit-int32(len(users))), token)
		if err != nil && i == 0 {
			return nil, "", err
		}
		if err != nil {
			h.log.WarnContext(ctx, "a later Cognito page of a list failed: answering the users read so far, with a nextToken", "error", err.Error())
			break
		}
		slowest = max(slowest, h.now().Sub(start))
		if calls > 1 {
			n := jsonSize(page)
			size, largest = size+n, max(largest, n)
		}
		users = append(users, page...)
		token = next
		if token == "" || int32(len(users)) >= p.limit {
			break
		}
	}
	return users, token, nil
}

// jsonSize is the length of the users' JSON as the answer will hold them.
func jsonSize(page []types.UserType) int {
	n := 0
	for i := range page {
		b, _ := json.Marshal(fromUserType(&page[i], nil)) // strings, bools and a map of strings: cannot fail
		n += len(b) + 1
	}
	return n
}

// timeLeftFor says whether another Cognito page fits before ctx's deadline,
// given the slowest page so far.
func (h *Handler) timeLeftFor(ctx context.Context, slowest time.Duration) bool {
	dl, ok := ctx.Deadline()
	if !ok {
		return true
	}
	return dl.Sub(h.now()) >= max(minPageTime, 2*slowest)
}

// listAnswer turns the users read into the answer: with each user's groups
// when asked for (one AdminListGroupsForUser per user), else without the
// groups field at all, so that no client reads "in no group" into it.
// filter drops the users out of the caller's sight (see inSight); for a
// scoped caller that needs each user's groups even when the answer omits
// them, and those read only for the filter stay out of the answer.
func (h *Handler) listAnswer(ctx context.Context, c *call, p paging, page []types.UserType, next, scope string, filter bool) (events.APIGatewayProxyResponse, error) {
	filter = filter && !c.caller.grant.Sight().All
	var users []user
	if p.groups || filter {
		var err error
		if users, err = h.withGroups(ctx, page); err != nil {
			return none, err
		}
		if filter {
			users = c.inSight(users)
		}
		if !p.groups {
			for i := range users {
				users[i].Groups = nil // read for the filter only: omitted from the JSON
			}
		}
	} else {
		users = make([]user, 0, len(page))
		for i := range page {
			u := fromUserType(&page[i], nil)
			u.Groups = nil // not read: omitted from the JSON
			users = append(users, u)
		}
	}
	body := listBody{Users: users}
	if next != "" {
		body.NextToken = encodeToken(scope, next)
	}
	return jsonResponse(http.StatusOK, body), nil
}
