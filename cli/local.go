package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
)

// Local mode's environment lives as long as make dev: a restart makes a new
// pool (and often new ports), and a profile configured from the old
// .local/dev.json points at nothing. Say so, with the command that fixes
// it, instead of "log in" advice that then fails with a connection error.

// localDrift is an error when p was configured with configure --local and
// the dev.json it came from now describes another environment (or is gone).
func (a *app) localDrift(p Profile) error {
	if p.DevFile == "" {
		return nil
	}
	b, err := os.ReadFile(p.DevFile)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("profile %s was configured from %s, which is gone: start make dev in that repository, then run useradmin configure --local%s && %s",
			a.profile, p.DevFile, a.profileFlag(), a.hint("login"))
	}
	if err != nil {
		return nil // unreadable: the calls themselves will say what is wrong
	}
	var d devFile
	if json.Unmarshal(b, &d) != nil {
		return nil
	}
	clientID := d.AdminClientID
	if clientID == "" {
		clientID = d.UserPoolClientID
	}
	if d.APIURL != p.APIURL || d.UserPoolID != p.UserPoolID || clientID != p.ClientID || d.CognitoEndpoint != p.CognitoEndpoint {
		return fmt.Errorf("make dev has restarted since profile %s was configured (%s now describes another user pool): run useradmin configure --local%s && %s",
			a.profile, p.DevFile, a.profileFlag(), a.hint("login"))
	}
	return nil
}

// profileFlag is " --profile NAME" when a profile other than default is in use.
func (a *app) profileFlag() string {
	if a.profile != "" && a.profile != "default" {
		return " --profile " + a.profile
	}
	return ""
}

// unreachable explains a request that got no answer: for a local profile, a
// changed dev.json or a dead local endpoint, with the command to run; else err.
func (a *app) unreachable(err error, p Profile) error {
	var ne *net.OpError
	var ue *url.Error
	if !errors.As(err, &ne) && !errors.As(err, &ue) {
		return err
	}
	if d := a.localDrift(p); d != nil {
		return d
	}
	if u, perr := url.Parse(p.APIURL); perr == nil && isLoopback(u.Hostname()) {
		return fmt.Errorf("nothing answers at %s (%v): local mode is not running; start make dev, then run useradmin configure --local%s && %s",
			u.Host, err, a.profileFlag(), a.hint("login"))
	}
	return err
}
