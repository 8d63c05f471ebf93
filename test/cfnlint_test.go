package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/useradmin/cognito-user-admin/infra"
)

// TestCfnLint runs cfn-lint over every synthesized template: no error and
// no warning, except those .cfnlintrc.yaml ignores with a comment saying why.
func TestCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		msg := `cfn-lint is not installed: pip install "cfn-lint"`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	root, err := infra.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	templates, _ := filepath.Glob(filepath.Join(synthDir, "UserAdmin-*.template.json"))
	if len(templates) < 3 {
		t.Fatalf("found %d synthesized templates", len(templates))
	}
	cmd := exec.Command(bin, append([]string{"--config-file", filepath.Join(root, ".cfnlintrc.yaml"), "--"}, templates...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
