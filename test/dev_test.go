package test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/useradmin/cognito-user-admin/console"
	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/local"
)

// TestDevCommand runs what `make dev` runs: it must serve the API, write
// .local/dev.json, and on SIGINT stop the gateway and the emulator it
// started, leaving nothing listening.
func TestDevCommand(t *testing.T) {
	needEnv(t)
	root, err := infra.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin := filepath.Join(work, "dev")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "local", "cmd", "dev")).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// The command reads cdk.out/ from its working directory, as under make.
	if err := os.Symlink(synthDir, filepath.Join(work, "cdk.out")); err != nil {
		t.Fatal(err)
	}
	// CONSOLE_DIR: a built console, as the work folder has no node_modules to build one.
	consoleDir := t.TempDir()
	if err := console.Build(context.Background(), root, consoleDir); err != nil {
		t.Fatal(err)
	}
	port, consolePort := freePort(t), freePort(t)
	cmd := exec.Command(bin)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "ENV=dev", "CONSOLE_PORT="+strconv.Itoa(consolePort), "CONSOLE_DIR="+consoleDir)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()

	devFile := filepath.Join(work, ".local", "dev.json")
	var dev struct{ APIURL, CognitoEndpoint, UserPoolID, UserPoolClientID, AdminClientID, AuditTable, EventBusName, ConsoleURL string }
	// Bounds that only a failure reaches: generous, as moto_server starts
	// slowly on a loaded machine.
	deadline := time.After(3 * time.Minute)
	for dev.APIURL == "" {
		select {
		case err := <-exited:
			t.Fatalf("make dev exited early: %v", err)
		case <-deadline:
			t.Fatal("no .local/dev.json after 3 min")
		case <-time.After(100 * time.Millisecond):
		}
		if b, err := os.ReadFile(devFile); err == nil {
			_ = json.Unmarshal(b, &dev)
		}
	}
	if st, _ := os.Stat(devFile); st.Mode().Perm() != 0o600 {
		t.Errorf(".local/dev.json mode %v, want 0600 (it holds passwords)", st.Mode().Perm())
	}
	resp, err := http.Get(dev.APIURL + "/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /users without a token: %d, want 401", resp.StatusCode)
	}
	// The audit table and the bus exist in the emulator under the names the file gives.
	if _, err := local.NewDynamoDBClient(dev.CognitoEndpoint).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: &dev.AuditTable}); err != nil {
		t.Errorf(".local/dev.json: auditTable %q: %v", dev.AuditTable, err)
	}
	if _, err := local.NewEventBridgeClient(dev.CognitoEndpoint).DescribeEventBus(context.Background(), &eventbridge.DescribeEventBusInput{Name: &dev.EventBusName}); err != nil || dev.EventBusName != "useradmin-dev" {
		t.Errorf(".local/dev.json: eventBusName %q: %v", dev.EventBusName, err)
	}
	if dev.AdminClientID == "" || dev.AdminClientID == dev.UserPoolClientID {
		t.Errorf(".local/dev.json: adminClientId %q, want the admin client's id (the app client is %q)", dev.AdminClientID, dev.UserPoolClientID)
	}
	// dev has SCIM: .local/dev.json's scim.token is a bearer token the SCIM routes admit.
	var scimFile struct {
		SCIM struct{ URL, Token string } `json:"scim"`
	}
	if b, err := os.ReadFile(devFile); err != nil || json.Unmarshal(b, &scimFile) != nil || scimFile.SCIM.URL != dev.APIURL+"/scim/v2" || scimFile.SCIM.Token == "" {
		t.Errorf(".local/dev.json: scim %+v, want {url: %s/scim/v2, token}", scimFile.SCIM, dev.APIURL)
	} else {
		req, _ := http.NewRequest(http.MethodGet, scimFile.SCIM.URL+"/ServiceProviderConfig", nil)
		req.Header.Set("Authorization", "Bearer "+scimFile.SCIM.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if e := resp.Header.Get("X-Amzn-Errortype"); e != "" {
			t.Errorf("GET /scim/v2/ServiceProviderConfig with dev.json's SCIM token: %d %s, want it passed to the function", resp.StatusCode, e)
		}
	}
	// The printed command's token: the seeded admin, signed in through the admin client, may call the API; the non-admin may not.
	for who, want := range map[string]int{"admin": http.StatusOK, "user": http.StatusForbidden} {
		tokenCmd := exec.Command(bin, "token", who)
		tokenCmd.Dir = work
		out, err := tokenCmd.Output()
		if err != nil {
			t.Fatalf("dev token %s: %v", who, err)
		}
		req, _ := http.NewRequest(http.MethodGet, dev.APIURL+"/users", nil)
		req.Header.Set("Authorization", strings.TrimSpace(string(out)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET /users with the %s's token from dev token: %d, want %d", who, resp.StatusCode, want)
		}
	}

	checkDevConsole(t, dev.ConsoleURL, consolePort, dev.APIURL, dev.CognitoEndpoint, dev.UserPoolID, dev.AdminClientID)

	// The closing lines name the web console and the administrators' command, not only curl.
	ready := make(chan struct{})
	timer := time.AfterFunc(time.Minute, func() { close(ready) }) // a bound only a failure reaches
	defer timer.Stop()
	for _, line := range []string{"Web console: " + dev.ConsoleURL, "useradmin configure --local && useradmin login"} {
		if !stderr.waitFor(line, ready) {
			t.Errorf("make dev's closing lines do not name %q:\n%s", line, stderr.String())
		}
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("make dev exited with %v after SIGINT, want a clean exit", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("make dev did not stop within a minute of SIGINT")
	}
	for _, u := range []string{dev.APIURL, dev.CognitoEndpoint, strings.TrimSuffix(dev.ConsoleURL, "/")} {
		if c, err := net.DialTimeout("tcp", u[len("http://"):], time.Second); err == nil {
			c.Close()
			t.Errorf("%s still answers after make dev stopped", u)
		}
	}
}

// checkDevConsole: make dev serves the console on CONSOLE_PORT, under the
// stack's headers naming its API and emulator, with config.json pointing
// at them and the admin client, and the API answers the console's preflight.
func checkDevConsole(t *testing.T, consoleURL string, consolePort int, apiURL, cognitoEndpoint, poolID, adminClientID string) {
	t.Helper()
	origin := "http://127.0.0.1:" + strconv.Itoa(consolePort)
	if consoleURL != origin+"/" {
		t.Fatalf(".local/dev.json: consoleUrl %q, want %s/ (CONSOLE_PORT)", consoleURL, origin)
	}
	resp, err := http.Get(consoleURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := console.ContentSecurityPolicy(apiURL, cognitoEndpoint); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != csp {
		t.Errorf("GET %s: %d, CSP %q; want 200 and %q", consoleURL, resp.StatusCode, resp.Header.Get("Content-Security-Policy"), csp)
	}
	resp, err = http.Get(consoleURL + "config.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg console.RuntimeConfig
	err = json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIURL != apiURL+"/" || cfg.CognitoEndpoint != cognitoEndpoint || cfg.UserPoolID != poolID || cfg.ClientID != adminClientID || cfg.Environment != "dev" {
		t.Errorf("config.json %+v: want apiUrl %s/, cognitoEndpoint %s, pool %s, the admin client %s, environment dev", cfg, apiURL, cognitoEndpoint, poolID, adminClientID)
	}
	req, _ := http.NewRequest(http.MethodOptions, apiURL+"/users", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("the API's preflight from the console: Access-Control-Allow-Origin %q, want %s", got, origin)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
