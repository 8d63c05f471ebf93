package importfile

import (
	"fmt"
	"slices"
	"strings"
)

// GroupNotManaged is the API's code for a group admins may not manage.
const GroupNotManaged = "GroupNotManaged"

// SuggestGroups adds to each row refused for an unmanaged group the nearest
// managed group (a likely typo) and the list of them, so a person can fix
// the file; managed are the groups the caller may manage (GET /groups).
func SuggestGroups(rows []Row, managed []string) {
	if len(managed) == 0 {
		return
	}
	for i := range rows {
		r := &rows[i]
		if r.Code != GroupNotManaged {
			continue
		}
		for _, g := range r.Create.Groups {
			if slices.Contains(managed, g) {
				continue
			}
			if near := Nearest(g, managed); near != "" {
				r.Message += fmt.Sprintf(" (did you mean %q?)", near)
			}
			r.Message += "; managed groups: " + strings.Join(managed, ", ")
			break
		}
	}
}

// Nearest is the candidate closest to s (case-insensitive edit distance),
// or "" when none is close enough to be a likely typo.
func Nearest(s string, candidates []string) string {
	best, bestD := "", -1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, len(s)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (in bytes: names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
