package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/useradmin/cognito-user-admin/console"
)

// consoleSize builds the web console as the stack ships it and reports
// its gzipped size against the 150 KB budget, with the largest inputs of
// app.js (from esbuild's metafile) so a regression names its cause.
func consoleSize(ctx context.Context, r *report, root, tmp string) error {
	out := filepath.Join(tmp, "console")
	meta := filepath.Join(tmp, "console-meta.json")
	os.Setenv("CONSOLE_METAFILE", meta)
	defer os.Unsetenv("CONSOLE_METAFILE")
	if err := console.Build(ctx, root, out); err != nil {
		return err
	}
	s, err := console.MeasureSize(out)
	if err != nil {
		return err
	}
	r.add("web console bundle, gzipped (index.html, app.js, app.css)",
		fmt.Sprintf("%s (%s B; %s raw)", kib(s.Gzipped), thousands(s.Gzipped), kib(s.Raw)),
		"≤ 150 KB (150,000 B)", met(s.Gzipped <= console.BudgetBytes))
	inputs, err := largestInputs(meta, 6)
	if err != nil {
		return err
	}
	r.note("console app.js by input (minified bytes before gzip): %s", inputs)
	return nil
}

// largestInputs sums esbuild's metafile output bytes per package (or
// source folder) and lists the n largest.
func largestInputs(path string, n int) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var m struct {
		Outputs map[string]struct {
			Inputs map[string]struct {
				BytesInOutput int64 `json:"bytesInOutput"`
			} `json:"inputs"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return "", err
	}
	by := map[string]int64{}
	for _, o := range m.Outputs {
		for in, v := range o.Inputs {
			by[inputGroup(in)] += v.BytesInOutput
		}
	}
	names := make([]string, 0, len(by))
	for k := range by {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return by[names[i]] > by[names[j]] })
	var parts []string
	for _, k := range names[:min(n, len(names))] {
		parts = append(parts, fmt.Sprintf("%s %s", k, kib(by[k])))
	}
	return strings.Join(parts, ", "), nil
}

// inputGroup names a metafile input by its npm package, or "console/src".
func inputGroup(in string) string {
	const nm = "node_modules/"
	i := strings.LastIndex(in, nm)
	if i < 0 {
		return "console/src"
	}
	rest := strings.Split(in[i+len(nm):], "/")
	if strings.HasPrefix(rest[0], "@") && len(rest) > 1 {
		return rest[0] + "/" + rest[1]
	}
	return rest[0]
}
