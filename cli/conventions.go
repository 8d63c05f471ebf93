package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// debugTransport prints each request's method, URL and the answer's status
// on stderr (--debug). Never a body or a header value: bodies carry
// passwords (sign-in, temporary passwords) and headers carry tokens.
type debugTransport struct {
	next http.RoundTripper
	w    io.Writer
	now  func() time.Time
}

func (t debugTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	what := r.Method + " " + r.URL.Redacted()
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		what += " (" + target + ")" // a Cognito call: the operation, not its body
	}
	if r.Header.Get("Authorization") != "" {
		what += " [Authorization: redacted]"
	}
	start := t.now()
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		fmt.Fprintf(t.w, "debug: %s -> error: %v\n", what, err)
		return resp, err
	}
	fmt.Fprintf(t.w, "debug: %s -> %d (%s, request id %s)\n", what, resp.StatusCode,
		t.now().Sub(start).Round(time.Millisecond), resp.Header.Get("X-Amzn-Requestid"))
	return resp, nil
}

// withDebug returns a copy of c that reports each request to w.
func withDebug(c *http.Client, w io.Writer) *http.Client {
	d := *c
	next := d.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	d.Transport = debugTransport{next: next, w: w, now: time.Now}
	return &d
}

// completionCommand is cobra's completion scripts, under the name users know from gh and kubectl.
func (a *app) completionCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:       "completion (bash|zsh|fish|powershell)",
		Short:     "Print the shell completion script for bash, zsh, fish or powershell",
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: args(func(cmd *cobra.Command, argv []string) error {
			if len(argv) != 1 {
				return fmt.Errorf("needs SHELL: one of bash, zsh, fish, powershell")
			}
			if !slices.Contains(cmd.ValidArgs, argv[0]) {
				return fmt.Errorf("unknown shell %q: use bash, zsh, fish or powershell", argv[0])
			}
			return nil
		}),
		Example: `  source <(useradmin completion bash)
  useradmin completion zsh > "${fpath[1]}/_useradmin"
  useradmin completion fish > ~/.config/fish/completions/useradmin.fish
  useradmin completion powershell | Out-String | Invoke-Expression`,
		RunE: func(cmd *cobra.Command, argv []string) error {
			out := a.io.Stdout
			switch argv[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return root.GenPowerShellCompletionWithDesc(out)
		},
	}
}

// profilesCommand lists and shows the saved profiles, so nobody reads config.json.
func (a *app) profilesCommand() *cobra.Command {
	profiles := &cobra.Command{Use: "profiles", Short: "List the saved profiles, or show one"}
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the saved profiles: name, API, whether signed in",
		Args:    args(cobra.NoArgs),
		Example: "  useradmin profiles list\n  useradmin profiles list -o json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.loadConfig()
			if err != nil {
				return failErr("%v", err)
			}
			names := sortedKeys(c.Profiles)
			type row struct {
				Name     string `json:"name"`
				Current  bool   `json:"current"`
				APIURL   string `json:"apiUrl"`
				SignedIn bool   `json:"signedIn"`
			}
			rows := []row{}
			for _, n := range names {
				rows = append(rows, row{Name: n, Current: n == a.profile, APIURL: c.Profiles[n].APIURL, SignedIn: a.hasSession(n)})
			}
			b, err := jsonMarshal(map[string]any{"profiles": rows})
			if err != nil {
				return err
			}
			return a.printer().render(b, view{
				table: func(out io.Writer) error {
					w := newTable(out)
					fmt.Fprintln(w, "PROFILE\tCURRENT\tSIGNED IN\tAPI")
					for _, r := range rows {
						cur := ""
						if r.Current {
							cur = "*"
						}
						fmt.Fprintf(w, "%s\t%s\t%t\t%s\n", r.Name, cur, r.SignedIn, r.APIURL)
					}
					return w.Flush()
				},
				csv: func() ([]string, [][]string) {
					var out [][]string
					for _, r := range rows {
						out = append(out, []string{r.Name, fmt.Sprint(r.Current), fmt.Sprint(r.SignedIn), r.APIURL})
					}
					return []string{"name", "current", "signedIn", "apiUrl"}, out
				},
			})
		},
	}
	show := &cobra.Command{
		Use:     "show [NAME]",
		Short:   "Show a profile's settings (default: the profile in use); never a token",
		Args:    args(cobra.MaximumNArgs(1)),
		Example: "  useradmin profiles show\n  useradmin profiles show prd -o yaml",
		RunE: func(cmd *cobra.Command, argv []string) error {
			name := a.profile
			if len(argv) == 1 {
				name = argv[0]
			}
			c, err := a.loadConfig()
			if err != nil {
				return failErr("%v", err)
			}
			p, ok := c.Profiles[name]
			if !ok {
				msg := fmt.Sprintf("no profile %q", name)
				if near := nearest(name, sortedKeys(c.Profiles)); near != "" {
					msg += fmt.Sprintf("; did you mean %q?", near)
				}
				return usageErr("%s (saved profiles: %s; useradmin configure --profile %s makes one)", msg, joinOrNone(sortedKeys(c.Profiles)), name)
			}
			policy := p.PasswordPolicy
			if policy == "" {
				policy = formatPolicy(p.policy()) + " (default)"
			}
			return a.printer().fields(
				[]string{"profile", "apiUrl", "region", "userPoolId", "clientId", "cognitoEndpoint", "passwordPolicy", "signedIn"},
				map[string]any{"profile": name, "apiUrl": p.APIURL, "region": p.Region, "userPoolId": p.UserPoolID, "clientId": p.ClientID,
					"cognitoEndpoint": p.CognitoEndpoint, "passwordPolicy": policy, "signedIn": a.hasSession(name)})
		},
	}
	profiles.AddCommand(list, show)
	return profiles
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func joinOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func newTable(out io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(out, 0, 4, 2, ' ', 0) }

// hasSession reports whether profile has a cached session file.
func (a *app) hasSession(profile string) bool {
	_, err := os.Stat(filepath.Join(a.confDir, "sessions", profile+".json"))
	return err == nil
}
