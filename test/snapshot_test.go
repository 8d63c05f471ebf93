package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/useradmin/cognito-user-admin/infra"
)

// updateSnapshots is set by `make snapshot`.
var updateSnapshots = os.Getenv("UPDATE_SNAPSHOTS") == "1"

var assetKey = regexp.MustCompile(`^[0-9a-f]{64}\.zip$`)

// normalize makes a template comparable across commits: an asset's hash
// (a Lambda's code, the web console's files in the BucketDeployment's
// SourceObjectKeys) changes with any code change and CDK's analytics blob
// with any construct change, neither of which is an infrastructure change.
func normalize(b []byte) ([]byte, error) {
	var t map[string]any
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "S3Key" && assetKey.MatchString(s) {
					v[k] = "<asset hash>.zip"
				} else if k == "Analytics" {
					v[k] = "<CDK analytics>"
				} else {
					walk(x)
				}
			}
			if keys, ok := v["SourceObjectKeys"].([]any); ok {
				for i, k := range keys {
					if s, ok := k.(string); ok && assetKey.MatchString(s) {
						keys[i] = "<asset hash>.zip"
					}
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(t)
	out, err := json.MarshalIndent(t, "", "  ")
	return append(out, '\n'), err
}

// TestSnapshots holds each environment's synthesized template to the one
// committed under test/snapshots. A drift fails with a readable diff; `make
// snapshot` rewrites them on purpose so a pull request shows the
// CloudFormation change beside the Go change. Before either, the
// replacement guard runs: a stateful resource that would be replaced or
// removed fails the test, and `make snapshot` will not record it, unless
// infra.ApprovedReplacements lists it. The pool's and client's identity is
// also pinned in Go (infra.PoolIdentity), so deleting or hand-editing a
// snapshot does not silence the guard. The account and CI stacks (synthesized
// with SynthContext) are held to their snapshots too.
func TestSnapshots(t *testing.T) {
	synthesized, _ := filepath.Glob(filepath.Join(synthDir, "UserAdmin-*.template.json"))
	committed, _ := filepath.Glob(filepath.Join("snapshots", "UserAdmin-*.template.json"))
	var stacks []string
	for _, f := range synthesized {
		stacks = append(stacks, strings.TrimSuffix(filepath.Base(f), ".template.json"))
	}
	for _, want := range []string{"UserAdmin-dev", "UserAdmin-stg", "UserAdmin-prd", "UserAdmin-account", "UserAdmin-ci-prd", "UserAdmin-github-oidc"} {
		if !slices.Contains(stacks, want) {
			t.Errorf("synth wrote no %s (stacks: %v)", want, stacks)
		}
	}
	for _, f := range committed {
		if name := strings.TrimSuffix(filepath.Base(f), ".template.json"); !slices.Contains(stacks, name) && !updateSnapshots {
			t.Errorf("%s: the app no longer synthesizes %s; delete the snapshot if that is intended", f, name)
		}
	}
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(synthDir, stack+".template.json"))
			if err != nil {
				t.Fatal(err)
			}
			cur, err := normalize(raw)
			if err != nil {
				t.Fatal(err)
			}
			// First the pinned identity of the pool and client, which no snapshot edit can move.
			if slices.Contains([]string{"UserAdmin-dev", "UserAdmin-stg", "UserAdmin-prd"}, stack) {
				pinned, err := json.Marshal(map[string]any{"Resources": infra.PoolIdentityOf(stack)})
				if err != nil {
					t.Fatal(err)
				}
				refuseReplacements(t, stack, "infra.PoolIdentity and PinnedAttributes", pinned, cur)
			}

			file := filepath.Join("snapshots", stack+".template.json")
			old, err := os.ReadFile(file)
			if os.IsNotExist(err) && updateSnapshots {
				writeSnapshot(t, file, cur)
				return
			}
			if err != nil {
				t.Fatalf("no snapshot for %s (run make snapshot): %v", stack, err)
			}
			refuseReplacements(t, stack, file, old, cur)
			if bytes.Equal(old, cur) {
				return
			}
			if updateSnapshots {
				writeSnapshot(t, file, cur)
				return
			}
			t.Errorf("%s differs from %s (- snapshot, + now); run make snapshot if the change is intended:\n%s",
				stack, file, cmp.Diff(strings.Split(string(old), "\n"), strings.Split(string(cur), "\n")))
		})
	}
}

// refuseReplacements fails the test, before any snapshot is compared or
// written, when cur would replace or remove a stateful resource of before
// that infra.ApprovedReplacements does not list.
func refuseReplacements(t *testing.T, stack, baseline string, before, cur []byte) {
	t.Helper()
	found, err := Replacements(stack, before, cur, infra.ApprovedReplacements)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s (against %s)", f, baseline)
	}
	if len(found) > 0 {
		t.Fatalf("%s would replace or delete stateful resources (users and passwords are lost with the pool). "+
			"If that is intended, approve each in infra/replacements.go; updating the snapshot alone is refused.", stack)
	}
}

func writeSnapshot(t *testing.T, file string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", file)
}
