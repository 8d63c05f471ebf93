package infra

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// AppContext reads the "context" of cdk.json (the feature flags). The CDK CLI
// hands it to the app; tests that build an App themselves pass it in, so they
// assert on what `cdk synth` produces, not on the library's defaults.
func AppContext(moduleDir string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(moduleDir, "cdk.json"))
	if err != nil {
		return nil, err
	}
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &cdk); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return cdk.Context, nil
}

// SynthEnv is the environment in which to run the CDK app binary as the CDK
// CLI would (`cdk synth` passes cdk.json's context in CDK_CONTEXT_JSON and the
// assembly directory in CDK_OUTDIR), offline. The caller's CDK_DEFAULT_*
// are dropped, so the templates do not depend on the shell they ran in.
// extra adds context, as `cdk synth -c key=value` does.
func SynthEnv(moduleDir, outdir string, extra ...map[string]any) ([]string, error) {
	ctx, err := AppContext(moduleDir)
	if err != nil {
		return nil, err
	}
	for _, e := range extra {
		maps.Copy(ctx, e)
	}
	ctxJSON, err := json.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CDK_DEFAULT_ACCOUNT=") && !strings.HasPrefix(kv, "CDK_DEFAULT_REGION=") {
			env = append(env, kv)
		}
	}
	return append(env, "CDK_OUTDIR="+outdir, "CDK_CONTEXT_JSON="+string(ctxJSON)), nil
}
