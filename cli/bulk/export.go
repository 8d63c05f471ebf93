package bulk

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ExportColumns are the export's CSV columns.
var ExportColumns = []string{"email", "status", "enabled", "groups", "createdAt", "updatedAt"}

// ExportOptions tune an export.
type ExportOptions struct {
	Status string // only users in this status; empty for all
	Format Format
	// MaxAttempts bounds the tries of one page after lost answers or 5xx (default 5); 429s wait, and do not count.
	MaxAttempts int
	Clock       Clock
}

// Export writes every user, page by page as each arrives: memory holds one
// page whatever the pool's size. It returns how many users it wrote.
func Export(ctx context.Context, api API, w io.Writer, opt ExportOptions) (int, error) {
	if opt.Clock == nil {
		opt.Clock = RealClock
	}
	if opt.MaxAttempts == 0 {
		opt.MaxAttempts = 5
	}
	bw := bufio.NewWriter(w)
	var write func(User) error
	var cw *csv.Writer
	switch opt.Format {
	case JSONL:
		enc := json.NewEncoder(bw)
		write = func(u User) error {
			if u.Groups == nil {
				u.Groups = []string{}
			}
			return enc.Encode(u)
		}
	case CSV, "":
		cw = csv.NewWriter(bw)
		if err := cw.Write(ExportColumns); err != nil {
			return 0, err
		}
		write = func(u User) error {
			return cw.Write([]string{csvSafe(u.Email), u.Status, strconv.FormatBool(u.Enabled), strings.Join(u.Groups, ";"), u.CreatedAt, u.UpdatedAt})
		}
	default:
		return 0, fmt.Errorf("unknown format %q", opt.Format)
	}
	n, token := 0, ""
	for {
		users, next, err := exportPage(ctx, api, opt, token)
		if err != nil {
			return n, err
		}
		for _, u := range users {
			if err := write(u); err != nil {
				return n, err
			}
			n++
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return n, err
			}
		}
		// Each page reaches the output before the next is asked for.
		if err := bw.Flush(); err != nil {
			return n, err
		}
		if next == "" {
			return n, nil
		}
		token = next
	}
}

// exportPage reads one page, waiting out 429s and retrying lost answers and 5xx: reads are safe to repeat.
func exportPage(ctx context.Context, api API, opt ExportOptions, token string) ([]User, string, error) {
	for attempt := 1; ; {
		users, next, a, err := api.ListUsers(ctx, opt.Status, token)
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return nil, "", ctx.Err()
		case err == nil && a.Status == http.StatusOK:
			return users, next, nil
		case err == nil && a.Status == http.StatusTooManyRequests:
			wait = max(a.RetryAfter, 100*time.Millisecond)
		case ambiguous(a, err) && attempt < opt.MaxAttempts:
			wait = min(200*time.Millisecond<<(attempt-1), 5*time.Second)
			attempt++
		case err != nil:
			return nil, "", err
		default:
			return nil, "", &APIError{Answer: a}
		}
		select {
		case <-opt.Clock.After(wait):
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
	}
}
