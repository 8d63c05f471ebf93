package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// row is one line of the table.
type row struct {
	what, result, target string
	// verdict is "yes" or "NO" against a target, "" for context figures.
	verdict string
}

// report collects the rows and the notes that explain them.
type report struct {
	machine   machine
	rows      []row
	notes     []string
	loadAfter string
}

func (r *report) add(what, result, target, verdict string) {
	r.rows = append(r.rows, row{what, result, target, verdict})
}

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// met is a verdict column value.
func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// print writes the machine facts, the table (Markdown, so it pastes into an
// issue as is) and the notes.
func (r *report) print(w io.Writer) {
	m := r.machine
	fmt.Fprintf(w, "## cognito-user-admin benchmarks\n\n")
	fmt.Fprintf(w, "machine: %d CPUs (%s), %s, %s memory, kernel %s\n", m.cpus, m.cpuModel, m.osArch, m.memory, m.kernel)
	fmt.Fprintf(w, "tools: %s, Node.js %s\n", m.goVersion, m.nodeVersion)
	fmt.Fprintf(w, "load average (1, 5, 15 min): %s at start, %s at end\n\n", m.load, r.loadAfter)

	header := row{"measurement", "result", "target / reference", "met"}
	width := [4]int{}
	for _, x := range append([]row{header}, r.rows...) {
		for i, c := range x.cells() {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(x row) {
		var b strings.Builder
		for i, c := range x.cells() {
			fmt.Fprintf(&b, "| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Fprintln(w, b.String()+"|")
	}
	line(header)
	var sep row
	for i, p := range []*string{&sep.what, &sep.result, &sep.target, &sep.verdict} {
		*p = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, x := range r.rows {
		line(x)
	}
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

func (x row) cells() [4]string { return [4]string{x.what, x.result, x.target, x.verdict} }
