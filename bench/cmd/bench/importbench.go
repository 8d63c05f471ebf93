package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/useradmin/cognito-user-admin/cli"
	"github.com/useradmin/cognito-user-admin/local"
)

// auditCounter counts the handler's successful creates per target from its
// JSON log: what reached Cognito, whatever the importer believes.
type auditCounter struct {
	mu      sync.Mutex
	partial []byte
	creates map[string]int
}

func (a *auditCounter) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.partial = append(a.partial, p...)
	for {
		i := bytes.IndexByte(a.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		var l struct{ Message, Action, Target, Outcome string }
		if json.Unmarshal(a.partial[:i], &l) == nil && l.Message == "audit" && l.Action == "create" && l.Outcome == "success" {
			a.creates[l.Target]++
		}
		a.partial = a.partial[i+1:]
	}
}

// importBench imports n new users with `useradmin users import` (the real
// command, in-process) through a fresh local stage with the dev template's
// throttling, then exports the pool with `useradmin users export`. It
// checks the pool afterwards: every user there once, none missing.
func importBench(ctx context.Context, r *report, assembly, tmp string, n int) error {
	audit := &auditCounter{creates: map[string]int{}}
	env, err := local.Start(ctx, filepath.Join(assembly, "UserAdmin-dev.template.json"), audit)
	if err != nil {
		return err
	}
	defer env.Close()
	if err := env.SeedUser(ctx, benchAdmin, benchPassword, env.Settings.AdminGroups[0]); err != nil {
		return err
	}
	th := env.Gateway.Throttle()
	if th == nil {
		return fmt.Errorf("the dev template sets no stage throttling")
	}
	stage, err := env.NewStage() // fresh buckets: nothing else has spent them
	if err != nil {
		return err
	}
	gw := httptest.NewServer(stage)
	defer gw.Close()

	dir, err := os.MkdirTemp(tmp, "import-")
	if err != nil {
		return err
	}
	conf := filepath.Join(dir, "config")
	run := func(stdin io.Reader, stdout io.Writer, args ...string) error {
		var stderr bytes.Buffer
		code := cli.Main(ctx, args, cli.IO{Stdin: stdin, Stdout: stdout, Stderr: &stderr, Getenv: func(k string) string {
			if k == "USERADMIN_CONFIG_DIR" {
				return conf
			}
			return ""
		}})
		if code != 0 {
			return fmt.Errorf("useradmin %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
		}
		return nil
	}
	if err := run(nil, io.Discard, "configure", "--api-url", gw.URL, "--region", local.Region, "--user-pool-id", env.Pool.ID,
		"--client-id", env.Pool.AdminClientID, "--cognito-endpoint", env.Emulator.Endpoint); err != nil {
		return err
	}
	if err := run(strings.NewReader(benchPassword+"\n"), io.Discard, "login", "--email", benchAdmin, "--password-stdin"); err != nil {
		return err
	}

	input := filepath.Join(dir, "import.csv")
	var b strings.Builder
	b.WriteString("email,sendInvitation\n")
	for i := range n {
		fmt.Fprintf(&b, "bulk.%05d@example.com,false\n", i)
	}
	if err := os.WriteFile(input, []byte(b.String()), 0o600); err != nil {
		return err
	}
	var summary bytes.Buffer
	start := time.Now()
	if err := run(nil, &summary, "users", "import", input, "--concurrency", "32"); err != nil {
		return err
	}
	took := time.Since(start)
	throttled := "no 429"
	if m := regexp.MustCompile(`(\d+) answers 429`).FindStringSubmatch(summary.String()); m != nil {
		throttled = m[1] + " answers 429"
	}

	// What the pool holds, straight from the emulator.
	seen := map[string]int{}
	p := cip.NewListUsersPaginator(env.Cognito, &cip.ListUsersInput{UserPoolId: &env.Pool.ID, Filter: aws.String(`email ^= "bulk."`)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, u := range out.Users {
			for _, a := range u.Attributes {
				if aws.ToString(a.Name) == "email" {
					seen[aws.ToString(a.Value)]++
				}
			}
		}
	}
	lost, dup, over := 0, 0, 0
	for i := range n {
		e := fmt.Sprintf("bulk.%05d@example.com", i)
		if seen[e] == 0 {
			lost++
		}
		dup += max(seen[e]-1, 0)
		over += max(audit.creates[e]-1, 0)
	}

	// The sustained rate: the stage admits Burst at once, then Rate a second.
	// What the import used of that is (n − Burst) over (elapsed × Rate).
	rateNow := float64(n) / took.Seconds()
	used := float64(n-th.Burst) / (took.Seconds() * th.Rate)
	r.add(fmt.Sprintf("bulk import, %d users via useradmin → local gateway (dev throttle %.0f/s, burst %d)", n, th.Rate, th.Burst),
		fmt.Sprintf("%.1f users/s overall (%s, %s); %.0f%% of the stage's rate after the burst; %d lost, %d duplicated, %d created twice",
			rateNow, took.Round(100*time.Millisecond), throttled, 100*used, lost, dup, over),
		"≥ 90% of the rate, 0 lost, 0 duplicated", met(used >= 0.9 && lost == 0 && dup == 0 && over == 0))

	// Export the same pool, to a counter, with every Cognito call it causes
	// counted at the emulator (moto's recorder): the Lambda's, the live
	// check's two per request included, and the command's own.
	if err := env.Emulator.StartRecording(ctx); err != nil {
		return err
	}
	var out countingWriter
	start = time.Now()
	if err := run(nil, &out, "users", "export"); err != nil {
		return err
	}
	took = time.Since(start)
	calls, err := env.Emulator.CognitoCalls(ctx)
	if err != nil {
		return err
	}
	users := out.lines - 1 // the header
	if users < n {
		return fmt.Errorf("export wrote %d users, the pool has at least %d", users, n)
	}
	total := 0
	for _, c := range calls {
		total += c
	}
	perUser := float64(total) / float64(users)
	r.add(fmt.Sprintf("bulk export, the same pool (%d users) via useradmin, CSV", users),
		fmt.Sprintf("%.0f users/s (%s, pages of 600, groups from the members of each managed group)", float64(users)/took.Seconds(), took.Round(100*time.Millisecond)), "", "")
	r.add("bulk export: Cognito calls per exported user, every call counted at the emulator",
		fmt.Sprintf("%.3f (%d calls: %s)", perUser, total, callList(calls)), "≤ 0.1", met(perUser <= 0.1))
	r.note("bulk import: the ceiling is the stage's throttle (dev %.0f/s, burst %d); deployed, Cognito's UserCreation quota (50/s per account "+
		"by default) caps it too. The import finds the rate from the 429s (slow start, then additive increase and multiplicative decrease). "+
		"A run with few 429s after the burst was held back by this machine (moto and the handler on shared CPUs: see the load average), not by the throttle", th.Rate, th.Burst)
	return nil
}

// callList renders calls by operation as "ListUsers 17, …", the most first.
func callList(calls map[string]int) string {
	ops := slices.SortedFunc(maps.Keys(calls), func(a, b string) int {
		return cmp.Or(cmp.Compare(calls[b], calls[a]), cmp.Compare(a, b))
	})
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, calls[op])
	}
	return strings.Join(parts, ", ")
}

// countingWriter counts lines and keeps nothing: the export's memory is the command's alone.
type countingWriter struct{ lines int }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
