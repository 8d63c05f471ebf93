package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// fault is what the fake does to one create of an email, in order of attempts.
type fault int

const (
	noFault         fault = iota
	err502After           // creates the user, then answers 502 (the Lambda failed after Cognito)
	err504Before          // answers 504 without creating
	err500After           // creates the user, then answers 500 (the Lambda failed after Cognito)
	throttled429          // answers 429, as a stage's throttle does, without creating
	lostLanding           // the connection drops; the request reaches the pool only after the next GET of the email answered 404
	lostAfter             // creates the user, then the connection drops
	lostBefore            // the connection drops before the request arrives
	holdAfterCreate       // creates the user, then holds the answer until released
)

var errLost = errors.New("connection reset by peer")

type fakeUser struct {
	u       User
	created time.Time
}

// fakeAPI is the admin API in memory: the users, what happened to each
// email (creates received, users made, invitations sent), a token bucket
// like the stage's throttle, and faults injected per email.
type fakeAPI struct {
	mu      sync.Mutex
	users   map[string]*fakeUser
	creates map[string]int // POST /users received
	made    map[string]int // users actually created
	invites map[string]int // invitations sent
	gets    int
	// throttled counts the 429s answered.
	throttled int
	faults    map[string][]fault
	answers   map[string]Answer // a fixed answer for every create of an email
	bucket    *rate.Limiter     // nil: no throttling
	retry     time.Duration
	// held receives the email of a create held by holdAfterCreate; release
	// frees it. While one is held, every later create waits for release
	// before it reaches the pool (or gives up when its client goes away),
	// so what an interrupt or a kill leaves unsent does not depend on how
	// quickly the test delivers it.
	held    chan string
	release chan struct{}
	gate    chan struct{}
	// landing holds the creates of lostLanding, made by the next GET of their email.
	landing map[string]Create
	// clock is the pool's time (createdAt, Date); nil for the wall clock.
	clock Clock
	// pageSize is GET /users' page size; listed counts the pages served.
	pageSize int
	listed   int
	seq      int
}

func newFake() *fakeAPI {
	return &fakeAPI{
		users: map[string]*fakeUser{}, creates: map[string]int{}, made: map[string]int{}, invites: map[string]int{},
		faults: map[string][]fault{}, answers: map[string]Answer{}, held: make(chan string, 100), release: make(chan struct{}), pageSize: 3,
	}
}

func (f *fakeAPI) now() time.Time {
	if f.clock != nil {
		return f.clock.Now()
	}
	return time.Now()
}

// existing adds a user created an hour ago, before any import.
func (f *fakeAPI) existing(email string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.now().Add(-time.Hour)
	f.users[email] = &fakeUser{u: User{Username: "sub-" + email, Email: email, Status: "CONFIRMED", Enabled: true, CreatedAt: t.UTC().Format(time.RFC3339), UpdatedAt: t.UTC().Format(time.RFC3339), Groups: []string{}}, created: t}
}

func (f *fakeAPI) reqID() string {
	f.seq++
	return fmt.Sprintf("req-%d", f.seq)
}

func (f *fakeAPI) throttle() (Answer, bool) {
	if f.bucket != nil && !f.bucket.AllowN(f.now(), 1) {
		f.throttled++
		return Answer{Status: 429, Code: "TooManyRequests", Message: "Too many requests: slow down and retry.", RetryAfter: f.retry, RequestID: f.reqID()}, true
	}
	return Answer{}, false
}

func (f *fakeAPI) CreateUser(ctx context.Context, c Create) (*User, Answer, error) {
	f.mu.Lock()
	if gate := f.gate; gate != nil {
		f.mu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, Answer{}, ctx.Err()
		}
		f.mu.Lock()
	}
	if a, ok := f.throttle(); ok {
		f.mu.Unlock()
		return nil, a, nil
	}
	var ft fault
	if q := f.faults[c.Email]; len(q) > 0 {
		ft, f.faults[c.Email] = q[0], q[1:]
	}
	switch ft {
	case lostBefore:
		f.mu.Unlock()
		return nil, Answer{}, errLost
	case lostLanding:
		if f.landing == nil {
			f.landing = map[string]Create{}
		}
		f.landing[c.Email] = c
		f.mu.Unlock()
		return nil, Answer{}, errLost
	case throttled429:
		f.throttled++
		a := Answer{Status: 429, Code: "TooManyRequests", Message: "Too many requests: slow down and retry.", RetryAfter: time.Second, RequestID: f.reqID()}
		f.mu.Unlock()
		return nil, a, nil
	}
	f.creates[c.Email]++
	if a, ok := f.answers[c.Email]; ok {
		a.RequestID = f.reqID()
		f.mu.Unlock()
		return nil, a, nil
	}
	if ft == err504Before {
		f.mu.Unlock()
		return nil, Answer{Status: 504, Code: "UpstreamTimeout", Message: "timed out", RequestID: f.reqID()}, nil
	}
	if _, ok := f.users[c.Email]; ok {
		a := Answer{Status: 409, Code: "UserExists", Message: "a user with this email already exists", RequestID: f.reqID()}
		f.mu.Unlock()
		return nil, a, nil
	}
	now := f.now()
	groups := append([]string{}, c.Groups...)
	slices.Sort(groups)
	u := User{Username: "sub-" + c.Email, Email: c.Email, Status: "FORCE_CHANGE_PASSWORD", Enabled: true,
		CreatedAt: now.UTC().Format(time.RFC3339), UpdatedAt: now.UTC().Format(time.RFC3339), Groups: groups}
	f.users[c.Email] = &fakeUser{u: u, created: now}
	f.made[c.Email]++
	if c.SendInvitation == nil || *c.SendInvitation {
		f.invites[c.Email]++
	}
	id := f.reqID()
	if ft == holdAfterCreate {
		f.gate = f.release
	}
	f.mu.Unlock()
	switch ft {
	case err500After:
		return nil, Answer{Status: 500, Code: "InternalError", Message: "internal error", RequestID: id}, nil
	case err502After:
		return nil, Answer{Status: 502, Code: "UpstreamError", Message: "Cognito failed to process the request", RequestID: id}, nil
	case lostAfter:
		return nil, Answer{}, errLost
	case holdAfterCreate:
		f.held <- c.Email
		<-f.release
	}
	return &u, Answer{Status: 201, RequestID: id, Date: f.now()}, nil
}

// land creates c's user, as a create that reached the pool late. Callers hold f.mu.
func (f *fakeAPI) land(c Create) {
	now := f.now()
	f.users[c.Email] = &fakeUser{u: User{Username: "sub-" + c.Email, Email: c.Email, Status: "FORCE_CHANGE_PASSWORD", Enabled: true,
		CreatedAt: now.UTC().Format(time.RFC3339), UpdatedAt: now.UTC().Format(time.RFC3339), Groups: []string{}}, created: now}
	f.made[c.Email]++
	f.creates[c.Email]++
	if c.SendInvitation == nil || *c.SendInvitation {
		f.invites[c.Email]++
	}
}

func (f *fakeAPI) GetUser(ctx context.Context, email string) (*User, Answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if a, ok := f.throttle(); ok {
		return nil, a, nil
	}
	if u, ok := f.users[email]; ok {
		c := u.u
		return &c, Answer{Status: 200, RequestID: f.reqID()}, nil
	}
	if c, ok := f.landing[email]; ok {
		// The slow request lands just after this answer.
		delete(f.landing, email)
		defer f.land(c)
	}
	return nil, Answer{Status: 404, Code: "UserNotFound", Message: "user not found", RequestID: f.reqID()}, nil
}

func (f *fakeAPI) ListUsers(ctx context.Context, status, token string) ([]User, string, Answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.throttle(); ok {
		return nil, "", a, nil
	}
	f.listed++
	var emails []string
	for e, u := range f.users {
		if status == "" || u.u.Status == status {
			emails = append(emails, e)
		}
	}
	slices.Sort(emails)
	start := 0
	if token != "" {
		start, _ = strconv.Atoi(token)
	}
	end := min(start+f.pageSize, len(emails))
	var page []User
	for _, e := range emails[start:end] {
		u := f.users[e].u
		u.Groups = nil // as GET /users answers without groups=true
		page = append(page, u)
	}
	next := ""
	if end < len(emails) {
		next = strconv.Itoa(end)
	}
	return page, next, Answer{Status: 200}, nil
}

// ServeHTTP serves the fake over HTTP for the tests that kill a process:
// the pool must outlive the importer.
func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		u   *User
		a   Answer
		err error
	)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/users":
		var body struct {
			Email          string   `json:"email"`
			SendInvitation *bool    `json:"sendInvitation"`
			Groups         []string `json:"groups"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		u, a, err = f.CreateUser(r.Context(), Create{Email: body.Email, SendInvitation: body.SendInvitation, Groups: body.Groups})
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/users/"):
		email, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/users/"))
		u, a, err = f.GetUser(r.Context(), email)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		// A lost connection: hijack and close without an answer.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, herr := hj.Hijack(); herr == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", a.RequestID)
	if a.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(a.RetryAfter.Seconds())))
	}
	w.WriteHeader(a.Status)
	if u != nil {
		_ = json.NewEncoder(w).Encode(map[string]any{"user": u})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": a.Code, "message": a.Message}, "requestId": a.RequestID})
}

// httpAPI is a minimal client of the fake's HTTP face, for the subprocess.
type httpAPI struct{ base string }

func (h httpAPI) do(ctx context.Context, method, path string, body any) (*User, Answer, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, rd)
	if err != nil {
		return nil, Answer{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, Answer{}, err
	}
	defer resp.Body.Close()
	a := Answer{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		a.RetryAfter = time.Duration(s) * time.Second
	}
	var out struct {
		User  *User `json:"user"`
		Error struct{ Code, Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, Answer{}, err
	}
	a.Code, a.Message = out.Error.Code, out.Error.Message
	return out.User, a, nil
}

func (h httpAPI) CreateUser(ctx context.Context, c Create) (*User, Answer, error) {
	return h.do(ctx, http.MethodPost, "/users", map[string]any{"email": c.Email, "sendInvitation": c.SendInvitation, "groups": c.Groups})
}

func (h httpAPI) GetUser(ctx context.Context, email string) (*User, Answer, error) {
	return h.do(ctx, http.MethodGet, "/users/"+url.PathEscape(email), nil)
}

func (h httpAPI) ListUsers(context.Context, string, string) ([]User, string, Answer, error) {
	return nil, "", Answer{}, errors.New("not served")
}

// stepClock is a clock for the pacer's tests: After advances time at once.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// exportFake adds what an export reads besides the users: the managed
// groups (GET /groups) and their members (GET /groups/{group}/users), each
// member without their groups, in pages of pageSize.
type exportFake struct {
	*fakeAPI
	managed []string
	// memberPages counts the member pages served, by group.
	memberPages map[string]int
}

func newExportFake(managed ...string) *exportFake {
	return &exportFake{fakeAPI: newFake(), managed: managed, memberPages: map[string]int{}}
}

func (f *exportFake) ManagedGroups(context.Context) ([]string, Answer, error) {
	return f.managed, Answer{Status: 200}, nil
}

func (f *exportFake) ListGroupMembers(_ context.Context, group, token string) ([]User, string, Answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.managed, group) {
		return nil, "", Answer{Status: 403, Code: "GroupNotManaged"}, nil
	}
	f.memberPages[group]++
	var emails []string
	for e, u := range f.users {
		if slices.Contains(u.u.Groups, group) {
			emails = append(emails, e)
		}
	}
	slices.Sort(emails)
	start := 0
	if token != "" {
		start, _ = strconv.Atoi(token)
	}
	end := min(start+f.pageSize, len(emails))
	var page []User
	for _, e := range emails[start:end] {
		u := f.users[e].u
		u.Groups = nil
		page = append(page, u)
	}
	next := ""
	if end < len(emails) {
		next = strconv.Itoa(end)
	}
	return page, next, Answer{Status: 200}, nil
}
