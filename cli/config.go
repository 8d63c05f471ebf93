package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// Profile is where one deployment's API and user pool are.
type Profile struct {
	APIURL     string `json:"apiUrl"`
	Region     string `json:"region"`
	UserPoolID string `json:"userPoolId"`
	// ClientID is the app client administrators sign in through (the
	// stack's AdminClientId output).
	ClientID string `json:"clientId"`
	// CognitoEndpoint overrides the regional Cognito endpoint (local mode's emulator).
	CognitoEndpoint string `json:"cognitoEndpoint,omitempty"`
	// PasswordPolicy is the pool's policy as a spec (see policy.go); empty
	// means the product's default.
	PasswordPolicy string `json:"passwordPolicy,omitempty"`
	// DevFile is the .local/dev.json a configure --local read (absolute), so
	// a later make dev that wrote another environment is noticed (local.go).
	DevFile string `json:"devFile,omitempty"`
}

func (p Profile) validate() error {
	var missing []string
	for name, v := range map[string]string{"api-url": p.APIURL, "region": p.Region, "user-pool-id": p.UserPoolID, "client-id": p.ClientID} {
		if v == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %v", sortedStrings(missing))
	}
	return nil
}

// config is the profiles file.
type config struct {
	Profiles map[string]Profile `json:"profiles"`
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// validProfileName keeps a profile's name usable as a file name.
func validProfileName(n string) bool { return profileName.MatchString(n) && n != "." && n != ".." }

// configDir is $USERADMIN_CONFIG_DIR, else the OS user config dir + /useradmin.
func configDir(getenv func(string) string) (string, error) {
	if d := getenv("USERADMIN_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the user config directory (set USERADMIN_CONFIG_DIR): %w", err)
	}
	return filepath.Join(d, "useradmin"), nil
}

const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// ensureDir creates dir (and its parents) owner-only; an existing directory
// is tightened to 0700, since it holds sessions.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	return os.Chmod(dir, dirMode)
}

// writePrivate writes a file readable by its owner only, atomically.
func writePrivate(path string, v any) error {
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (a *app) configPath() string { return filepath.Join(a.confDir, "config.json") }

func (a *app) loadConfig() (config, error) {
	c := config{Profiles: map[string]Profile{}}
	b, err := os.ReadFile(a.configPath())
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", a.configPath(), err)
	}
	if c.Profiles == nil {
		c.Profiles = map[string]Profile{}
	}
	return c, nil
}

// loadProfile returns the current profile, or an error saying how to make one.
func (a *app) loadProfile() (Profile, error) {
	c, err := a.loadConfig()
	if err != nil {
		return Profile{}, failErr("%v", err)
	}
	p, ok := c.Profiles[a.profile]
	if !ok {
		return Profile{}, &exitError{code: ExitUsage, err: &noProfileError{profile: a.profile, path: a.configPath()}}
	}
	if err := p.checkEndpoints(); err != nil {
		return Profile{}, usageErr("profile %s in %s: %v; run useradmin configure --profile %s again", a.profile, a.configPath(), err, a.profile)
	}
	return p, nil
}

// noProfileError is loadProfile's answer for a profile not configured.
type noProfileError struct{ profile, path string }

func (e *noProfileError) Error() string {
	return fmt.Sprintf("no profile %q in %s: run useradmin configure --profile %s first", e.profile, e.path, e.profile)
}

// saveProfile saves the profile; a session of what the profile was before
// is forgotten, since its tokens belong to another pool or client.
func (a *app) saveProfile(p Profile) error {
	c, err := a.loadConfig()
	if err != nil {
		return err
	}
	old, existed := c.Profiles[a.profile]
	c.Profiles[a.profile] = p
	if err := writePrivate(a.configPath(), c); err != nil {
		return err
	}
	if existed && old != p {
		return a.forgetSession()
	}
	return nil
}
