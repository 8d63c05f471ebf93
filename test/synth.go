// Package test holds the tests that cross package lines: the synthesized
// templates, the Lambda against a Cognito emulator, the API end to end.
package test

import (
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
		out, err := exec.Command("go", "build", "-o", appBin, filepath.Join(root, "infra", "cmd", "app")).CombinedOutput()
		if err != nil {
			appErr = fmt.Errorf("building the CDK app: %v\n%s", err, out)
		}
	})
	return appBin, appErr
}

// Synth runs the CDK app as the CDK CLI does and writes the cloud assembly
// to outdir. No AWS account or credentials are involved.
func Synth(outdir string) error {
	root, err := infra.ModuleDir()
	if err != nil {
		return err
	}
	bin, err := buildApp(root)
	if err != nil {
		return err
	}
	env, err := infra.SynthEnv(root, outdir)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin)
	cmd.Dir = root
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("synth: %v\n%s", err, out)
	}
	return nil
}
