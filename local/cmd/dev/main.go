// Command dev serves the whole API on localhost against a Cognito emulator:
// the pool, client and groups are built from the synthesized template of
// ENV, and requests go through a local API Gateway to the Lambda's handler.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/useradmin/cognito-user-admin/local"
)

func main() {
	run := serve
	if len(os.Args) > 1 && os.Args[1] == "token" {
		// `.local/bin/dev token [admin|user]`: the printed commands' way to an ID token.
		run = func() error { return printToken(os.Args[2:]) }
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "make dev:", err)
		os.Exit(1)
	}
}

// account is a seeded user's credentials, as written to .local/dev.json.
type account struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type devFile struct {
	APIURL           string `json:"apiUrl"`
	Region           string `json:"region"`
	UserPoolID       string `json:"userPoolId"`
	UserPoolClientID string `json:"userPoolClientId"`
	AdminClientID    string `json:"adminClientId"`
	CognitoEndpoint  string `json:"cognitoEndpoint"`
	// AuditTable and EventBusName are in the emulator at CognitoEndpoint too (DynamoDB, EventBridge).
	AuditTable   string `json:"auditTable"`
	EventBusName string `json:"eventBusName"`
	// ConsoleURL is the web console, served against this API and emulator.
	ConsoleURL string  `json:"consoleUrl"`
	Admin      account `json:"admin"`
	User       account `json:"user"`
	// SCIM is the identity provider's way in, where the environment has SCIM.
	SCIM *scimFile `json:"scim,omitempty"`
}

// scimFile is what an identity provider (or a test) needs to call /scim/v2 locally.
type scimFile struct {
	URL string `json:"url"`
	// Token is a bearer token the local authorizer (lambda/scimauth) accepts; its hash is in TokenSecretArn.
	Token          string `json:"token,omitempty"`
	TokenSecretArn string `json:"tokenSecretArn,omitempty"`
	// Client credentials, where on: POST TokenURL with ClientID and ClientSecret.
	TokenURL     string `json:"tokenUrl,omitempty"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func serve() error {
	envName := getenv("ENV", "dev")
	port := getenv("PORT", "8080")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	consoleLn, err := listenConsole(os.Getenv("CONSOLE_PORT"), consolePorts)
	if err != nil {
		return err
	}
	env, err := local.StartWith(ctx, filepath.Join("cdk.out", "UserAdmin-"+envName+".template.json"), os.Stdout, local.Options{Console: consoleLn})
	if err != nil {
		consoleLn.Close()
		return err
	}
	defer env.Close()
	for _, n := range env.Notes {
		fmt.Fprintln(os.Stderr, "note:", n)
	}

	n := env.Settings.Password.MinLength + 8
	admin := account{Email: "admin@example.com", Password: password(n)}
	user := account{Email: "user@example.com", Password: password(n)}
	if err := env.SeedUser(ctx, admin.Email, admin.Password, env.Settings.AdminGroups[0]); err != nil {
		return err
	}
	if err := env.SeedUser(ctx, user.Email, user.Password); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("listening on 127.0.0.1:%s (set PORT= to use another port): %w", port, err)
	}
	srv := &http.Server{Handler: env.Gateway, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	apiURL := "http://" + ln.Addr().String()
	// CONSOLE_DIR: a console built already (console/build.mjs); else the one
	// make synth built into cdk.out, which the template deploys.
	consoleURL, err := env.ServeConsole(local.ConsoleOptions{APIURL: apiURL, Environment: envName, Dir: os.Getenv("CONSOLE_DIR")})
	if err != nil {
		return err
	}

	dev := devFile{
		APIURL: apiURL, Region: local.Region,
		UserPoolID: env.Pool.ID, UserPoolClientID: env.Pool.ClientID, AdminClientID: env.Pool.AdminClientID,
		CognitoEndpoint: env.Emulator.Endpoint,
		AuditTable:      env.Audit.Table, EventBusName: env.Audit.Bus,
		ConsoleURL: consoleURL,
		Admin:      admin, User: user,
	}
	if s := env.SCIM; s != nil {
		dev.SCIM = &scimFile{URL: apiURL + "/scim/v2", Token: s.Token, TokenSecretArn: s.TokenSecretArn}
		if s.ClientID != "" {
			dev.SCIM.TokenURL, dev.SCIM.ClientID, dev.SCIM.ClientSecret, dev.SCIM.Scope = apiURL+local.TokenPath, s.ClientID, s.ClientSecret, s.Scope
		}
	}
	if err := writeDevFile(dev); err != nil {
		return err
	}
	printHelp(dev, envName, env.Gateway.Throttle())
	if dev.SCIM != nil {
		printSCIMHelp(dev.SCIM)
	}

	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "\nstopping")
	case err := <-served:
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func writeDevFile(d devFile) error {
	if err := os.MkdirAll(".local", 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(d, "", "  ")
	// 0600: it holds the seeded users' passwords.
	return os.WriteFile(filepath.Join(".local", "dev.json"), append(b, '\n'), 0o600)
}

func printHelp(d devFile, envName string, th *local.Throttle) {
	fmt.Fprintf(os.Stderr, `
Local API for %s on %s (Cognito emulator on %s).
Web console: %s (sign in as the seeded admin).
Seeded: %s (admin) and %s (not an admin); passwords and client ids in .local/dev.json.

Get the admin's ID token (SRP sign-in through the admin client, as administrators sign in),
then create a user:

TOKEN=$(.local/bin/dev token)
curl -i -X POST %s/users -H "Authorization: $TOKEN" -H 'Content-Type: application/json' -d '{"email": "new.user@example.com"}'

(.local/bin/dev token user gives the non-admin's token, which the API refuses with 403.)

Or with the administrators' command (make cli builds bin/useradmin), from this directory:

useradmin configure --local && useradmin login
useradmin users create new.user@example.com

After a restart of make dev, run useradmin configure --local again: the pool is new.
%s
Ctrl-C stops the API and the emulator.
`, envName, d.APIURL, d.CognitoEndpoint, d.ConsoleURL, d.Admin.Email, d.User.Email, d.APIURL, throttling(th))
}

// consolePorts are tried in turn when CONSOLE_PORT is not set: 8081 and
// the next ones, so a second make dev (another ENV) finds one free.
var consolePorts = func() (ports []int) {
	for p := 8081; p < 8100; p++ {
		ports = append(ports, p)
	}
	return ports
}()

// listenConsole listens where the console will be served: on port
// (CONSOLE_PORT), else on the first free one of candidates.
func listenConsole(port string, candidates []int) (net.Listener, error) {
	if port != "" {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			return nil, fmt.Errorf("listening for the console on 127.0.0.1:%s (set CONSOLE_PORT= to use another port): %w", port, err)
		}
		return ln, nil
	}
	var err error
	for _, p := range candidates {
		var ln net.Listener
		if ln, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
			return ln, nil
		}
	}
	return nil, fmt.Errorf("no free port for the console among %v (set CONSOLE_PORT=): %w", candidates, err)
}

// throttling describes the stage's throttling, which the local gateway applies.
func throttling(th *local.Throttle) string {
	if th == nil {
		return "The stage sets no throttling."
	}
	return fmt.Sprintf("Throttled like the deployed stage: each method %g requests/s, bursts of %d, then 429 with Retry-After.", th.Rate, th.Burst)
}

// printToken signs the seeded admin (or, with "user", the non-admin) in
// through the admin client of the running `make dev`, with SRP, and prints
// the ID token.
func printToken(args []string) error {
	who := "admin"
	if len(args) > 0 {
		who = args[0]
	}
	b, err := os.ReadFile(filepath.Join(".local", "dev.json"))
	if err != nil {
		return fmt.Errorf("no .local/dev.json: start make dev first (%w)", err)
	}
	var d devFile
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf(".local/dev.json: %w", err)
	}
	acct := map[string]account{"admin": d.Admin, "user": d.User}[who]
	if acct.Email == "" {
		return fmt.Errorf("token %s: want admin or user", who)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := local.SRPSignIn(ctx, local.NewCognitoClient(d.CognitoEndpoint), d.UserPoolID, d.AdminClientID, acct.Email, acct.Password)
	if err != nil {
		return fmt.Errorf("signing %s in (is make dev still running?): %w", acct.Email, err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.IdToken == nil {
		return fmt.Errorf("signing %s in: Cognito answered the %s challenge", acct.Email, out.ChallengeName)
	}
	fmt.Println(*out.AuthenticationResult.IdToken)
	return nil
}

// password returns a random password of n characters with every class a
// policy can require (upper, lower, digit, symbol).
func password(n int) string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n-4)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "Aa1!" + string(b)
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// printSCIMHelp says how to call /scim/v2 as an identity provider would.
func printSCIMHelp(s *scimFile) {
	fmt.Fprintf(os.Stderr, "\nSCIM 2.0 (docs/scim.md) at %s; its bearer token and client credentials are in .local/dev.json (scim):\n\n", s.URL)
	if s.Token != "" {
		fmt.Fprintf(os.Stderr, "curl -s %s/ServiceProviderConfig -H \"Authorization: Bearer $(jq -r .scim.token .local/dev.json)\"\n", s.URL)
	}
	if s.ClientID != "" {
		fmt.Fprintf(os.Stderr, "curl -s -u \"$(jq -r '.scim.clientId + \":\" + .scim.clientSecret' .local/dev.json)\" -d grant_type=client_credentials %s   (a client-credentials access token)\n", s.TokenURL)
	}
	if s.Token != "" {
		fmt.Fprintln(os.Stderr, "useradmin scim rotate-token --local   (a new bearer token; the old one stops working)")
	}
}
