// Package console holds what every host of the web console shares: the
// runtime config the app reads at start, the security headers it is served
// with, and its build. The stack (infra) and local mode both use it, so the
// console runs under one policy wherever it is served.
package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// ConfigPath is where the app reads its RuntimeConfig, relative to its origin.
const ConfigPath = "/config.json"

// PasswordPolicy is the pool's password policy, so the app names the rule a
// new password breaks before Cognito refuses it.
type PasswordPolicy struct {
	MinLength        int  `json:"minLength"`
	RequireLowercase bool `json:"requireLowercase"`
	RequireUppercase bool `json:"requireUppercase"`
	RequireDigits    bool `json:"requireDigits"`
	RequireSymbols   bool `json:"requireSymbols"`
}

// RuntimeConfig is config.json: what differs per environment, written by
// the stack (or local mode) beside one build of the app.
type RuntimeConfig struct {
	Environment string `json:"environment"`
	Region      string `json:"region"`
	// APIURL is the stage's URL, ending in a slash.
	APIURL     string `json:"apiUrl"`
	UserPoolID string `json:"userPoolId"`
	// ClientID is the admin app client's (SRP, no secret).
	ClientID string `json:"clientId"`
	// CognitoEndpoint overrides Cognito's regional endpoint (local mode's emulator).
	CognitoEndpoint string         `json:"cognitoEndpoint,omitempty"`
	PasswordPolicy  PasswordPolicy `json:"passwordPolicy"`
	// CustomAttributes are the environment's declared custom attributes (the
	// Lambda's settings), so the edit form offers each with its bounds.
	CustomAttributes []settings.CustomAttribute `json:"customAttributes"`
}

// CognitoOrigin is Cognito's regional endpoint, the only other origin the
// app talks to (SRP sign-in, refresh, MFA setup, sign-out).
func CognitoOrigin(region, urlSuffix string) string {
	return "https://cognito-idp." + region + "." + urlSuffix
}

// ContentSecurityPolicy allows the app's own files and connections to its
// own origin (config.json), the API and Cognito only: no inline script or
// style, no framing, no forms posting elsewhere. data: images are the MFA
// QR code, drawn in the browser so the secret never leaves it.
func ContentSecurityPolicy(apiOrigin, cognitoOrigin string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self' " + apiOrigin + " " + cognitoOrigin,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
		"object-src 'none'",
	}, "; ")
}

// HSTSMaxAgeSeconds is two years, as hstspreload.org asks.
const HSTSMaxAgeSeconds = 63072000

// SecurityHeaders are the response headers of every file of the console.
func SecurityHeaders(csp string) map[string]string {
	return map[string]string{
		"Content-Security-Policy":   csp,
		"Strict-Transport-Security": fmt.Sprintf("max-age=%d; includeSubDomains", HSTSMaxAgeSeconds),
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "no-referrer",
		"X-Content-Type-Options":    "nosniff",
	}
}

// Files are the build's outputs, each served as is.
var Files = []string{"index.html", "app.js", "app.css"}

// Build bundles the app into outdir (console/build.mjs, with the esbuild
// pinned in package-lock.json); moduleDir is the repository root.
func Build(ctx context.Context, moduleDir, outdir string) error {
	if _, err := os.Stat(filepath.Join(moduleDir, "node_modules", "esbuild")); err != nil {
		return fmt.Errorf("building the console needs the pinned node packages: run npm ci in %s (make does)", moduleDir)
	}
	cmd := exec.CommandContext(ctx, "node", filepath.Join("console", "build.mjs"), outdir)
	cmd.Dir = moduleDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the console: %v\n%s", err, out.String())
	}
	return nil
}

// BudgetBytes is the limit on the production bundle, gzipped: 150 KB.
const BudgetBytes = 150_000

// Size is the built console's size: every file as served, raw and gzipped
// (CloudFront compresses text with gzip or Brotli; gzip is the larger).
type Size struct {
	Raw, Gzipped int64
	// ByFile is each file's gzipped size.
	ByFile map[string]int64
}

// MeasureSize reads the files Build wrote to dir.
func MeasureSize(dir string) (Size, error) {
	s := Size{ByFile: map[string]int64{}}
	for _, f := range Files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return s, err
		}
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
		if _, err := w.Write(b); err != nil {
			return s, err
		}
		if err := w.Close(); err != nil {
			return s, err
		}
		s.Raw += int64(len(b))
		s.Gzipped += int64(gz.Len())
		s.ByFile[f] = int64(gz.Len())
	}
	return s, nil
}
