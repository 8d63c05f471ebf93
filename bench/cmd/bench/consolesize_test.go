package main

import (
	"context"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/infra"
)

// The bench's console row measures a real build and names what app.js is
// made of, by package: the note is how a size regression finds its cause.
func TestConsoleSizeRow(t *testing.T) {
	root, err := infra.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	r := &report{}
	if err := consoleSize(context.Background(), r, root, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if len(r.rows) != 1 || !strings.HasPrefix(r.rows[0].what, "web console bundle") || r.rows[0].verdict != met(true) {
		t.Fatalf("rows: %+v", r.rows)
	}
	if len(r.notes) != 1 || !strings.Contains(r.notes[0], "console/src") {
		t.Fatalf("notes: %q", r.notes)
	}
}

func TestInputGroup(t *testing.T) {
	for in, want := range map[string]string{
		"console/src/api.ts": "console/src",
		"node_modules/amazon-cognito-identity-js/es/CognitoUser.js": "amazon-cognito-identity-js",
		"node_modules/@aws-crypto/sha256-js/build/index.js":         "@aws-crypto/sha256-js",
		"node_modules/a/node_modules/buffer/index.js":               "buffer",
	} {
		if got := inputGroup(in); got != want {
			t.Errorf("inputGroup(%q) = %q, want %q", in, got, want)
		}
	}
}
