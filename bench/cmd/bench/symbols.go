package main

import (
	"cmp"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"slices"
	"strings"
)

// weight is bytes attributed to a name (a package or a module).
type weight struct {
	name  string
	bytes int64
}

// sectionSizes lists the binary's loaded sections, largest first, merging
// the data sections: what a stripped binary is made of.
func sectionSizes(bin string) (string, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return "", err
	}
	defer f.Close()
	by := map[string]int64{}
	for _, s := range f.Sections {
		switch {
		case s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_ALLOC == 0:
			// .bss takes no room in the file; the rest is not loaded.
		case s.Name == ".data" || s.Name == ".noptrdata":
			by[".data+.noptrdata"] += int64(s.Size)
		case s.Name == ".gopclntab":
			by[".gopclntab (function tables: grow with .text)"] += int64(s.Size)
		default:
			by[s.Name] += int64(s.Size)
		}
	}
	return top(by, 5), nil
}

// weights attributes the size of every symbol that takes room in the file
// to its package and its module. bin must keep its symbol table.
func weights(bin string) (pkgs, mods map[string]int64, err error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", bin, err)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, nil, err
	}
	modules := []string{info.Main.Path}
	for _, d := range info.Deps {
		modules = append(modules, d.Path)
	}
	pkgs, mods = map[string]int64{}, map[string]int64{}
	for _, s := range syms {
		i := int(s.Section)
		if i <= 0 || i >= len(f.Sections) || f.Sections[i].Type == elf.SHT_NOBITS || s.Size == 0 {
			continue
		}
		p, m := packageOf(s.Name), ""
		switch p {
		case "":
			p, m = "(type and func metadata)", "(type and func metadata)"
		case "main":
			m = info.Main.Path
		default:
			m = moduleOf(p, modules)
		}
		pkgs[p] += int64(s.Size)
		mods[m] += int64(s.Size)
	}
	return pkgs, mods, nil
}

// packageOf is the import path in a symbol name such as
// "github.com/aws/smithy-go/encoding/json.(*Encoder).Close",
// "go:itab.*net/http.http2Transport,net/http.RoundTripper" or
// "type:*github.com/aws/aws-sdk-go-v2/aws.Config"; "" for compiler metadata.
func packageOf(sym string) string {
	for _, p := range []string{"go:itab.", "type:", "*"} {
		sym = strings.TrimPrefix(sym, p)
	}
	if i := strings.IndexAny(sym, "[(,"); i >= 0 {
		sym = sym[:i]
	}
	slash := strings.LastIndex(sym, "/")
	dot := strings.Index(sym[slash+1:], ".")
	if dot <= 0 || strings.Contains(sym, ":") {
		return ""
	}
	return sym[:slash+1+dot]
}

// moduleOf is the module of package p among modules, "std" for the
// standard library (its first element has no dot; vendor/ is std's too).
func moduleOf(p string, modules []string) string {
	best := ""
	for _, m := range modules {
		if (p == m || strings.HasPrefix(p, m+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best != "" {
		return best
	}
	if first, _, _ := strings.Cut(p, "/"); !strings.Contains(first, ".") {
		return "std"
	}
	return p
}

// top is "name size, …" for the n largest entries.
func top(by map[string]int64, n int) string {
	var ws []weight
	for k, v := range by {
		ws = append(ws, weight{k, v})
	}
	slices.SortFunc(ws, func(a, b weight) int { return cmp.Or(cmp.Compare(b.bytes, a.bytes), cmp.Compare(a.name, b.name)) })
	var parts []string
	for _, w := range ws[:min(n, len(ws))] {
		parts = append(parts, w.name+" "+kib(w.bytes))
	}
	return strings.Join(parts, ", ")
}
