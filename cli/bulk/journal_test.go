package bulk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path, "sha256:aa", false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.send(2, t0))
	must(j.done(Result{Line: 2, Email: "a@example.com", Outcome: Created, Status: 201})) // the 201 is the outcome
	must(j.send(3, t0.Add(time.Second)))
	must(j.answer(3, 502, true))
	must(j.send(3, t0.Add(2*time.Second)))
	must(j.answer(3, 429, false))
	must(j.send(4, t0.Add(3*time.Second))) // in flight when the process died
	must(j.Close())
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v: it holds emails", fi.Mode().Perm())
	}

	j, err = OpenJournal(path, "sha256:aa", true)
	if err != nil {
		t.Fatal(err)
	}
	if v := j.get(2); v.result == nil || v.result.Outcome != Created || !v.uncertain.IsZero() {
		t.Errorf("row 2: %+v: a done answers its send", v)
	}
	if v := j.get(3); v.result != nil || !v.uncertain.Equal(t0.Add(time.Second)) {
		t.Errorf("row 3: %+v: the 502's send must stay uncertain", v)
	}
	if v := j.get(4); !v.uncertain.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("row 4: %+v, want uncertain since its unanswered send", v)
	}
	if v := j.get(5); v.result != nil || !v.uncertain.IsZero() {
		t.Errorf("row 5, never sent: %+v", v)
	}
	if err := j.send(5, t0); err == nil {
		t.Error("a read-only journal accepted a write")
	}
}

func TestJournalCutsATornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path, "sha256:aa", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.send(2, time.Now()); err != nil {
		t.Fatal(err)
	}
	j.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"row":2,"ev":"ans`)
	f.Close()
	j, err = OpenJournal(path, "sha256:aa", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.answer(2, 201, false); err != nil {
		t.Fatal(err)
	}
	j.Close()
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), `"ans{`) || strings.Count(string(data), "\n") != 3 {
		t.Fatalf("journal after a torn line:\n%s", data)
	}
	if _, err := OpenJournal(path, "sha256:aa", true); err != nil {
		t.Fatal(err)
	}
}

func TestJournalRefusesAnotherInputOrFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	j, err := OpenJournal(path, HashInput([]byte("email\na@example.com\n")), false)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := OpenJournal(path, HashInput([]byte("email\nb@example.com\n")), false); !errors.Is(err, ErrOtherInput) {
		t.Errorf("another input: %v", err)
	}
	other := filepath.Join(dir, "users.csv")
	os.WriteFile(other, []byte("email\na@example.com\n"), 0o600)
	if _, err := OpenJournal(other, "sha256:aa", false); err == nil || !strings.Contains(err.Error(), "not a useradmin import journal") {
		t.Errorf("a CSV as --state: %v", err)
	}
	if data, _ := os.ReadFile(other); string(data) != "email\na@example.com\n" {
		t.Error("the stray file was changed")
	}
}

func TestJournalPath(t *testing.T) {
	h := HashInput([]byte("x"))
	if p := JournalPath("dir/users.csv", h); p != "dir/users.csv.journal" {
		t.Errorf("file: %s", p)
	}
	if p := JournalPath("-", h); p != "useradmin-import-"+h[7:19]+".journal" {
		t.Errorf("stdin: %s", p)
	}
}

// A journal records the pool it imports into: the same file imported into
// another pool (stg, then prd; a restarted make dev) is refused, not skipped
// as done there. Journals without a target (older ones), or a run that does
// not know its target, are not checked.
func TestJournalRefusesAnotherPool(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournalFor(path, "sha256:aa", "eu-west-1_stg", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.done(Result{Line: 2, Email: "a@example.com", Outcome: Created, Status: 201}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	for _, readOnly := range []bool{true, false} {
		if _, err := OpenJournalFor(path, "sha256:aa", "eu-west-1_prd", readOnly); !errors.Is(err, ErrOtherTarget) || !strings.Contains(err.Error(), "eu-west-1_stg") {
			t.Errorf("another pool (read-only %v): %v, want ErrOtherTarget naming eu-west-1_stg", readOnly, err)
		}
	}
	for _, target := range []string{"eu-west-1_stg", ""} {
		j, err := OpenJournalFor(path, "sha256:aa", target, true)
		if err != nil {
			t.Fatalf("target %q: %v", target, err)
		}
		if v := j.get(2); v.result == nil || v.result.Outcome != Created {
			t.Errorf("target %q: row 2 %+v, want created", target, v)
		}
	}
	old := filepath.Join(t.TempDir(), "old")
	j, err = OpenJournal(old, "sha256:aa", false) // no target: as journals of earlier versions
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := OpenJournalFor(old, "sha256:aa", "eu-west-1_prd", false); err != nil {
		t.Errorf("a journal without a target: %v", err)
	}
}
