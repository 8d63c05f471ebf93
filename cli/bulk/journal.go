package bulk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Outcome is what became of one row.
type Outcome string

// The outcomes of a row. NotSent rows have none yet.
const (
	Created Outcome = "created"
	Exists  Outcome = "exists"
	Invalid Outcome = "invalid"
	Failed  Outcome = "failed"
)

// finished reports whether a row with this outcome is left alone by a re-run.
func (o Outcome) finished() bool { return o == Created || o == Exists }

// Result is one row's outcome, as the report shows it.
type Result struct {
	Line      int     `json:"row"`
	Email     string  `json:"email"`
	Outcome   Outcome `json:"outcome"`
	Status    int     `json:"status,omitempty"`
	Code      string  `json:"code,omitempty"`
	Message   string  `json:"message,omitempty"`
	RequestID string  `json:"requestId,omitempty"`
}

// HashInput names an input by its content, so a journal is only ever
// resumed with the input it was written for.
func HashInput(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// JournalPath is where the journal of an input lives by default: beside
// the file, or for standard input in the working directory, named by the
// input's hash so the same input finds it again.
func JournalPath(input string, hash string) string {
	if input == "-" {
		return "useradmin-import-" + hash[len("sha256:"):][:12] + ".journal"
	}
	return input + ".journal"
}

// journalMagic starts every journal, so a stray --state file is never appended to.
const journalMagic = "useradmin-import"

// record is one line of the journal. The first line is the header (Journal,
// Version, Input); every other line is an event of one row:
//   - send: a create is about to go out (written and synced before it does);
//   - answer: an answer that does not decide the row: Ambiguous when it does
//     not say whether the user was created (5xx, lost connection), else one
//     that says it was not (429, 401) and the row is sent again;
//   - done: the row's outcome. An answer that decides the row (201, 409, any
//     other 4xx) is journaled as its done record and nothing else, so no
//     interruption can fall between learning an outcome and recording it.
//
// A send without an answer or done is a request that was in flight when the
// process died. Passwords are never written.
type record struct {
	Journal string `json:"journal,omitempty"`
	Version int    `json:"version,omitempty"`
	Input   string `json:"input,omitempty"`
	// Target names the pool the rows were sent to (absent in older journals).
	Target string `json:"target,omitempty"`

	Row       int       `json:"row,omitempty"`
	Event     string    `json:"ev,omitempty"`
	At        time.Time `json:"at,omitzero"`
	Status    int       `json:"status,omitempty"`
	Ambiguous bool      `json:"ambiguous,omitempty"`
	Result    *Result   `json:"result,omitempty"`
}

// rowState is what the journal knows of a row.
type rowState struct {
	result *Result // last done record
	// uncertainSince is the first send whose answer never said whether the
	// user was created: a user created at or after it may be this import's.
	uncertainSince time.Time
	pending        time.Time // a send not answered yet
}

// rowView is what the journal knows of a row, for the importer.
type rowView struct {
	result *Result
	// uncertain is since when the row's creation is uncertain (zero when
	// never): a send unanswered, answered ambiguously, or answered 2xx
	// without its done (journals of earlier versions).
	uncertain time.Time
}

// Journal is the append-only, synced log of an import.
type Journal struct {
	mu   sync.Mutex
	fs   journalFS
	f    journalFile // nil when read-only
	path string
	rows map[int]*rowState
	// written counts the events written; synced, those known on disk (under smu).
	written, synced int
	smu             sync.Mutex
}

// ErrOtherInput is returned for a journal written for another input.
var ErrOtherInput = errors.New("the journal belongs to another input")

// ErrOtherTarget is returned for a journal of imports into another pool:
// its "created" rows were created there, not in this one.
var ErrOtherTarget = errors.New("the journal belongs to an import into another user pool")

// OpenJournal reads the journal at path, creating it when absent unless
// readOnly (a dry run writes nothing). A torn last line, left by a crash
// mid-write, is cut off: its event never happened as far as a re-run knows,
// which is safe since every send is synced before its request goes out.
func OpenJournal(path, inputHash string, readOnly bool) (*Journal, error) {
	return openJournal(osFS{}, path, inputHash, readOnly)
}

// OpenJournalFor is OpenJournal for imports into target (the user pool's
// id): a journal written for another target is refused, so the same
// file imported into stg and then prd is never skipped in prd as done.
// An empty target (not known) or a journal without one is not checked.
func OpenJournalFor(path, inputHash, target string, readOnly bool) (*Journal, error) {
	return openJournalFor(osFS{}, path, inputHash, target, readOnly)
}

func openJournal(fsys journalFS, path, inputHash string, readOnly bool) (*Journal, error) {
	return openJournalFor(fsys, path, inputHash, "", readOnly)
}

func openJournalFor(fsys journalFS, path, inputHash, target string, readOnly bool) (*Journal, error) {
	j := &Journal{fs: fsys, path: path, rows: map[int]*rowState{}}
	data, err := fsys.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if readOnly {
			return j, nil
		}
		if j.f, err = fsys.Create(path); err != nil {
			return nil, err
		}
		return j, j.header(inputHash, target)
	case err != nil:
		return nil, err
	}
	complete := data[:bytes.LastIndexByte(data, '\n')+1]
	if len(complete) == 0 && bytes.HasPrefix(headerLine(inputHash, target), data) {
		// A crash between creating the journal and syncing its header:
		// nothing was sent (the header is synced before any send), so this
		// run starts it over.
		if readOnly {
			return j, nil
		}
		if j.f, err = fsys.Append(path, 0); err != nil {
			return nil, err
		}
		return j, j.header(inputHash, target)
	}
	lines := bytes.Split(bytes.TrimSuffix(complete, []byte("\n")), []byte("\n"))
	if len(complete) == 0 {
		return nil, fmt.Errorf("%s is not a useradmin import journal (it has no header): remove it or choose another --state", path)
	}
	var head record
	if json.Unmarshal(lines[0], &head) != nil || head.Journal != journalMagic {
		return nil, fmt.Errorf("%s is not a useradmin import journal: remove it or choose another --state", path)
	}
	if head.Version != 1 {
		return nil, fmt.Errorf("%s is a journal of version %d, this useradmin reads version 1", path, head.Version)
	}
	if head.Input != inputHash {
		return nil, fmt.Errorf("%w: %s was written for an input with another content; remove it to start over, or pass --state FILE", ErrOtherInput, path)
	}
	if target != "" && head.Target != "" && head.Target != target {
		return nil, fmt.Errorf("%w: %s records an import into %s; for this profile's pool pass --state FILE (a new file), or remove it to start over", ErrOtherTarget, path, head.Target)
	}
	for i, l := range lines[1:] {
		var r record
		if err := json.Unmarshal(l, &r); err != nil || r.Row <= 0 || (r.Event == "done" && r.Result == nil) {
			return nil, fmt.Errorf("%s: line %d is damaged", path, i+2)
		}
		j.apply(r)
	}
	if readOnly {
		return j, nil
	}
	if j.f, err = fsys.Append(path, int64(len(complete))); err != nil {
		return nil, err
	}
	return j, nil
}

// headerLine is the first line of a journal of the input.
func headerLine(inputHash, target string) []byte {
	b, _ := json.Marshal(record{Journal: journalMagic, Version: 1, Input: inputHash, Target: target})
	return append(b, '\n')
}

func (j *Journal) header(inputHash, target string) error {
	if _, err := j.f.Write(headerLine(inputHash, target)); err != nil {
		j.f.Close()
		return err
	}
	if err := j.f.Sync(); err != nil {
		j.f.Close()
		return err
	}
	return nil
}

func (j *Journal) state(row int) *rowState {
	s := j.rows[row]
	if s == nil {
		s = &rowState{}
		j.rows[row] = s
	}
	return s
}

// apply folds one event into the rows' states. The caller holds mu or owns j.
func (j *Journal) apply(r record) {
	s := j.state(r.Row)
	uncertain := func(at time.Time) {
		if s.uncertainSince.IsZero() || at.Before(s.uncertainSince) {
			s.uncertainSince = at
		}
	}
	switch r.Event {
	case "send":
		if !s.pending.IsZero() {
			uncertain(s.pending) // a send left unanswered by an earlier process
		}
		s.pending = r.At
	case "answer":
		// A 2xx answer is only journaled so by earlier versions, which wrote
		// the row's done after it: without the done, the user may be this
		// import's, and a re-run must ask before it takes a 409 as "exists".
		if (r.Ambiguous || r.Status/100 == 2) && !s.pending.IsZero() {
			uncertain(s.pending)
		}
		s.pending = time.Time{}
	case "done":
		// A done answers the send before it: the answer that decided the row.
		res := *r.Result
		s.result = &res
		s.pending = time.Time{}
	}
}

// get returns what the journal knows of a row.
func (j *Journal) get(row int) rowView {
	if j == nil {
		return rowView{}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.rows[row]
	if s == nil {
		return rowView{}
	}
	since := s.uncertainSince
	if !s.pending.IsZero() && (since.IsZero() || s.pending.Before(since)) {
		since = s.pending
	}
	return rowView{result: s.result, uncertain: since}
}

func (j *Journal) send(row int, at time.Time) error {
	return j.event(record{Row: row, Event: "send", At: at})
}

func (j *Journal) answer(row, status int, ambiguous bool) error {
	return j.event(record{Row: row, Event: "answer", Status: status, Ambiguous: ambiguous})
}

func (j *Journal) done(r Result) error {
	return j.event(record{Row: r.Line, Event: "done", Result: &r})
}

func (j *Journal) event(r record) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	if j.f == nil {
		j.mu.Unlock()
		return errors.New("the journal is open read-only")
	}
	if err := j.append(r); err != nil {
		j.mu.Unlock()
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	j.apply(r)
	j.written++
	n := j.written
	j.mu.Unlock()
	if err := j.sync(n); err != nil {
		return fmt.Errorf("syncing the journal %s: %w", j.path, err)
	}
	return nil
}

// sync returns once the n-th event is on disk: an event is durable before
// the request it announces leaves. Events written while one fsync runs share
// the next (group commit), so concurrent rows do not queue for one each.
func (j *Journal) sync(n int) error {
	j.smu.Lock()
	defer j.smu.Unlock()
	if j.synced >= n {
		return nil
	}
	j.mu.Lock()
	upto := j.written
	j.mu.Unlock()
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.synced = upto
	return nil
}

func (j *Journal) append(r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = j.f.Write(append(b, '\n'))
	return err
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Close closes the file.
func (j *Journal) Close() error {
	if j == nil || j.f == nil {
		return nil
	}
	return j.f.Close()
}

// journalFile is the journal's open file, appended to and synced.
type journalFile interface {
	Write(p []byte) (int, error)
	Sync() error
	Close() error
}

// journalFS is where journals live: the disk, or in tests a simulated one
// that can crash at any write and drops what was not synced.
type journalFS interface {
	ReadFile(path string) ([]byte, error)
	// Create makes a new, empty file only the user can read, failing when
	// path exists, and returns once the file itself would survive a crash.
	Create(path string) (journalFile, error)
	// Append opens path, cut to size bytes, for appending.
	Append(path string, size int64) (journalFile, error)
}

type osFS struct{}

func (osFS) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

func (osFS) Create(path string) (journalFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	// The new name is durable once its directory is synced: without it a
	// power cut could lose the whole journal after its sends had gone out.
	// Best effort: some systems (Windows) cannot sync a directory.
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return f, nil
}

func (osFS) Append(path string, size int64) (journalFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
