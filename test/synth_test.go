package test

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSynthIsReproducible: two synths of one commit give byte-identical
// templates and assets, so `cdk diff` never shows a spurious change, and each
// bundled Lambda (the API's, the user events publisher) is a static
// linux/arm64 binary named bootstrap under 10 MB, built from its own package.
func TestSynthIsReproducible(t *testing.T) {
	// TestMain synthesized once into synthDir; one more run to compare with.
	a, b := synthDir, t.TempDir()
	if err := Synth(b); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"dev", "stg", "prd"} {
		name := "UserAdmin-" + env + ".template.json"
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatalf("synth did not write %s: %v", name, err)
		}
		y, _ := os.ReadFile(filepath.Join(b, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two synths of the same tree", name)
		}
		// Each function is bundled from its own main package, never one build shared by both.
		for prefix, main := range map[string]string{"AdminFunction": "lambda/cmd/bootstrap", "UserEventsPublisher": "lambda/cmd/events"} {
			bin := lambdaAsset(t, a, name, prefix)
			if z, _ := os.ReadFile(filepath.Join(b, filepath.Base(filepath.Dir(bin)), "bootstrap")); !bytes.Equal(z, mustRead(t, bin)) {
				t.Errorf("%s: the %s binary differs between two synths", env, prefix)
			}
			checkBinary(t, bin)
			if info, err := buildinfo.ReadFile(bin); err != nil || !strings.HasSuffix(info.Path, "/"+main) {
				t.Errorf("%s: %s's bootstrap is built from %v (%v), want %s", env, prefix, info, err, main)
			}
		}
	}
}

// lambdaAsset finds the bundled bootstrap of a template's function whose
// logical ID starts with prefix: its code's S3 key is the asset hash, and
// cdk.out holds the asset as asset.<hash>.
func lambdaAsset(t *testing.T, dir, template, prefix string) string {
	t.Helper()
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				Code struct{ S3Key string }
			}
		}
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, template)), &tpl); err != nil {
		t.Fatal(err)
	}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::Lambda::Function" && strings.HasPrefix(id, prefix) && strings.HasSuffix(r.Properties.Code.S3Key, ".zip") {
			return filepath.Join(dir, "asset."+strings.TrimSuffix(r.Properties.Code.S3Key, ".zip"), "bootstrap")
		}
	}
	t.Fatalf("%s: no Lambda function %s* with a code asset", template, prefix)
	return ""
}

func checkBinary(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no bootstrap in the asset: %v", err)
	}
	if st.Size() > 10<<20 {
		t.Errorf("bootstrap is %d bytes, over 10 MB", st.Size())
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("bootstrap is %v/%v, want arm64", f.Machine, f.Class)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap is dynamically linked; provided.al2023 needs CGO_ENABLED=0")
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
