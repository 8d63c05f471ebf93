package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
)

// sizeTarget is issue 7's limit, in decimal megabytes: the stricter reading.
const sizeTarget = 9_000_000

// binarySize builds the bootstrap that ships (linux/arm64, stripped) and
// reports its size; a second build that keeps its symbol table says what
// the bytes are made of.
func binarySize(ctx context.Context, r *report, root, tmp string) error {
	bin := filepath.Join(tmp, "bootstrap-linux-arm64")
	if err := gobuild.Build(ctx, root, gobuild.Package, bin, "linux", "arm64", true); err != nil {
		return err
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return err
	}
	r.add("binary size, linux/arm64 bootstrap (-s -w)", fmt.Sprintf("%s (%s B)", mib(fi.Size()), thousands(fi.Size())),
		"≤ 9 MB (9,000,000 B)", met(fi.Size() <= sizeTarget))

	sections, err := sectionSizes(bin)
	if err != nil {
		return err
	}
	r.note("arm64 binary by section: %s", sections)
	withSymbols := filepath.Join(tmp, "bootstrap-linux-arm64-symbols")
	if err := gobuild.Build(ctx, root, gobuild.Package, withSymbols, "linux", "arm64", false); err != nil {
		return err
	}
	pkgs, mods, err := weights(withSymbols)
	if err != nil {
		return err
	}
	r.note("largest packages (code and data by symbol, as `go tool nm -size`; function tables excluded): %s", top(pkgs, 10))
	r.note("by module: %s", top(mods, 8))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

func kib(n int64) string {
	if n >= 1<<20 {
		return mib(n)
	}
	return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
}

// thousands writes n with comma separators: 8,716,450.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
