package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/useradmin/cognito-user-admin/lambda/scimauth"
	"github.com/useradmin/cognito-user-admin/local"
)

// TestSCIMRotateToken rotates the token of a secret in moto's Secrets
// Manager, through --local (make dev's file) and --secret-id (the AWS
// configuration, here pointed at moto by AWS_ENDPOINT_URL): the secret
// gets the token's hash only, the token is printed once on standard
// output, and the authorizer admits the new token and not the old.
func TestSCIMRotateToken(t *testing.T) {
	ctx := context.Background()
	emu, err := local.StartEmulator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	sm := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(emu.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("scim-token-hash"), SecretString: aws.String(`{"sha256":"","placeholder":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := *created.ARN
	auth := scimauth.New(sm, arn, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	// The authorizer's cache would hide a rotation: each check is a minute later.
	auth.WithClock(func() time.Time { now = now.Add(scimauth.CacheFor); return now })

	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll(".local", 0o700); err != nil {
		t.Fatal(err)
	}
	dev, _ := json.Marshal(map[string]any{"cognitoEndpoint": emu.Endpoint, "region": "us-east-1", "scim": map[string]any{"tokenSecretArn": arn}})
	if err := os.WriteFile(filepath.Join(".local", "dev.json"), dev, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USERADMIN_CONFIG_DIR": filepath.Join(dir, "conf")}

	rotate := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := run(t, env, "", append([]string{"scim", "rotate-token"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		token := strings.TrimSpace(stdout)
		if strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(token, scimauth.TokenPrefix) || len(token) < 40 {
			t.Fatalf("stdout %q, want the token alone", stdout)
		}
		if strings.Contains(stderr, token) || !strings.Contains(stderr, arn) {
			t.Fatalf("stderr %q: the token or no secret", stderr)
		}
		v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
		if err != nil {
			t.Fatal(err)
		}
		var r scimauth.Record
		if err := json.Unmarshal([]byte(*v.SecretString), &r); err != nil || r.SHA256 != scimauth.Hash(token) || strings.Contains(*v.SecretString, token) {
			t.Fatalf("secret %q: want the token's hash only", *v.SecretString)
		}
		if _, err := auth.Check(ctx, "Bearer "+token); err != nil {
			t.Fatalf("the authorizer refuses the new token: %v", err)
		}
		return token
	}
	first := rotate("--local")

	// --secret-id with the ordinary AWS configuration.
	t.Setenv("AWS_ENDPOINT_URL", emu.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", "us-east-1")
	second := rotate("--secret-id", arn)
	if second == first {
		t.Fatal("the same token twice")
	}
	if _, err := auth.Check(ctx, "Bearer "+first); !errors.Is(err, scimauth.ErrUnauthorized) {
		t.Fatalf("the rotated-out token: %v, want refused", err)
	}
}

func TestSCIMRotateTokenUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"--local", "--secret-id", "x"}, {"--from-stack", "UserAdmin-dev", "--local"}} {
		code, _, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}, "", append([]string{"scim", "rotate-token"}, args...)...)
		if code != ExitUsage || !strings.Contains(stderr, "use one of --from-stack, --secret-id or --local") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
	// --local without make dev's file.
	t.Chdir(t.TempDir())
	code, _, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}, "", "scim", "rotate-token", "--local")
	if code != ExitUsage || !strings.Contains(stderr, "run make dev") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
