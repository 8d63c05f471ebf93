package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoCDKInBinary keeps the infrastructure out of the function: CDK and
// jsii would bloat the binary and slow every cold start.
func TestNoCDKInBinary(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for dep := range strings.SplitSeq(string(out), "\n") {
		for _, banned := range []string{"github.com/aws/aws-cdk-go", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go", "github.com/useradmin/cognito-user-admin/infra"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("the Lambda depends on %s", dep)
			}
		}
	}
}
