package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
