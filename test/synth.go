// Package test holds the tests that cross package lines: the synthesized
// templates, the Lambda against a Cognito emulator, the API end to end.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/useradmin/cognito-user-admin/infra"
)

var (
	appOnce sync.Once
	appBin  string
	appErr  error
)

// buildApp compiles the CDK app once per test binary.
func buildApp(root string) (string, error) {
	appOnce.Do(func() {
		dir, err := os.MkdirTemp("", "useradmin-app")
		if err != nil {
			appErr = err
			return
		}
		appBin = filepath.Join(dir, "app")
		out, err := exec.Command("go", "build", "-o", appBin, filepath.Join(root, "infra", "cmd", "useradmin")).CombinedOutput()
		if err != nil {
			appErr = fmt.Errorf("building the CDK app: %v\n%s", err, out)
		}
	})
	return appBin, appErr
}

// Synth runs the CDK app the way the CDK CLI does (cdk.json's context in
// CDK_CONTEXT_JSON, the assembly directory in CDK_OUTDIR) and returns the
// output directory. No AWS account or credentials are involved.
func Synth(outdir string) error {
	root, err := infra.ModuleDir()
	if err != nil {
		return err
	}
	bin, err := buildApp(root)
	if err != nil {
		return err
	}
	ctx, err := infra.AppContext(root)
	if err != nil {
		return err
	}
	ctxJSON, err := json.Marshal(ctx)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin)
	cmd.Dir = root
	cmd.Env = append(filteredEnv(), "CDK_OUTDIR="+outdir, "CDK_CONTEXT_JSON="+string(ctxJSON))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("synth: %v\n%s", err, out)
	}
	return nil
}

// filteredEnv drops the caller's AWS defaults so the templates do not depend on the shell.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch {
		case len(kv) > 19 && kv[:19] == "CDK_DEFAULT_ACCOUNT", len(kv) > 18 && kv[:18] == "CDK_DEFAULT_REGION":
			continue
		}
		env = append(env, kv)
	}
	return env
}
