package local

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/useradmin/cognito-user-admin/console"
)

// ConsoleOptions say what the console is served against and from where.
type ConsoleOptions struct {
	// APIURL is the URL the local gateway is served at.
	APIURL string
	// Environment is the environment's name (dev, stg, prd), as the stack's config.json gives it.
	Environment string
	// Dir holds a built console (console.Files); empty: the one the template
	// deploys, as synth built it into the cloud assembly beside the template.
	Dir string
}

// ConsoleConfig is the console's /config.json for this deployment: what was
// provisioned, the admin client (the one administrators sign in through),
// the template's password policy, and the emulator as the Cognito endpoint
// (through the proxy, which browsers can call: moto answers CORS).
func (e *Env) ConsoleConfig(apiURL, environment string) console.RuntimeConfig {
	pp := e.Pool.PasswordPolicy
	minLength := 0
	if pp.MinimumLength != nil {
		minLength = int(*pp.MinimumLength)
	}
	return console.RuntimeConfig{
		Environment:     environment,
		Region:          Region,
		APIURL:          strings.TrimSuffix(apiURL, "/") + "/",
		UserPoolID:      e.Pool.ID,
		ClientID:        e.Pool.AdminClientID,
		CognitoEndpoint: e.Emulator.Endpoint,
		PasswordPolicy: console.PasswordPolicy{
			MinLength:        minLength,
			RequireLowercase: pp.RequireLowercase,
			RequireUppercase: pp.RequireUppercase,
			RequireDigits:    pp.RequireNumbers,
			RequireSymbols:   pp.RequireSymbols,
		},
		// As the stack writes it: the Lambda's declaration, read from the template.
		CustomAttributes: e.Settings.CustomAttributes,
	}
}

// ConsoleOrigin is the origin the console is served from locally, which
// the API's CORS answers (LocalizeCORS).
func (e *Env) ConsoleOrigin() string { return "http://" + e.consoleListener.Addr().String() }

// ServeConsole serves the console on its own origin (ConsoleOrigin) against
// the gateway at o.APIURL, with the security headers the stack's
// CloudFront response headers policy sets, connect-src naming the local
// API and the emulator. It returns the console's URL; Close stops it.
func (e *Env) ServeConsole(o ConsoleOptions) (string, error) {
	if e.console != nil {
		return "", fmt.Errorf("the console is already served at %s", e.ConsoleOrigin())
	}
	dir := cmp.Or(o.Dir, e.consoleAsset)
	if dir == "" {
		return "", errors.New("the template deploys no console (Config.Console.Disabled?) and no console folder was given")
	}
	h, err := NewConsoleHandler(dir, e.ConsoleConfig(o.APIURL, o.Environment))
	if err != nil {
		return "", err
	}
	e.console = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.console.Serve(e.consoleListener) }()
	return e.ConsoleOrigin() + "/", nil
}

// contentTypes of the console's files.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
}

// NewConsoleHandler serves the built console in dir (its files are read
// once) and cfg as /config.json, each with console.SecurityHeaders: what
// CloudFront serves from the console's bucket. GET and HEAD only; any
// other path is 404.
func NewConsoleHandler(dir string, cfg console.RuntimeConfig) (http.Handler, error) {
	apiOrigin, err := origin(cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("the console's apiUrl: %w", err)
	}
	cognitoOrigin, err := origin(cfg.CognitoEndpoint)
	if err != nil {
		return nil, fmt.Errorf("the console's cognitoEndpoint: %w", err)
	}
	files := map[string][]byte{}
	for _, f := range console.Files {
		if files[f], err = os.ReadFile(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("the built console: %w", err)
		}
	}
	if files[strings.TrimPrefix(console.ConfigPath, "/")], err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	headers := console.SecurityHeaders(console.ContentSecurityPolicy(apiOrigin, cognitoOrigin))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" {
			name = "index.html"
		}
		body, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentTypes[path.Ext(name)])
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		// Always revalidated: a rebuild (make dev restarted) shows at the next load.
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	}), nil
}

// origin is the scheme://host[:port] of an absolute URL.
func origin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}
