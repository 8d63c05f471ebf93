package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
)

// cognitoTarget finds the Cognito operation of each request in moto's
// recording (JSON lines of the requests' headers). A pattern rather than a
// line-by-line decode, so that a line split by concurrent writes still counts.
var cognitoTarget = regexp.MustCompile(`(?i)"X-Amz-Target": "` + regexp.QuoteMeta(targetPrefix) + `([A-Za-z]+)"`)

// StartRecording empties moto's request recorder and starts it: from now
// on the emulator records every request it serves, until CognitoCalls.
func (e *Emulator) StartRecording(ctx context.Context) error {
	if _, err := e.recorder(ctx, "reset-recording"); err != nil {
		return err
	}
	_, err := e.recorder(ctx, "start-recording")
	return err
}

// CognitoCalls stops the recorder and counts the Cognito API calls recorded
// since StartRecording, by operation (ListUsers, AdminGetUser, …). Every
// client's calls count: the Lambda's, the command's, the test's.
func (e *Emulator) CognitoCalls(ctx context.Context) (map[string]int, error) {
	if _, err := e.recorder(ctx, "stop-recording"); err != nil {
		return nil, err
	}
	rec, err := e.recorder(ctx, "download-recording")
	if err != nil {
		return nil, err
	}
	calls := map[string]int{}
	for _, m := range cognitoTarget.FindAllSubmatch(rec, -1) {
		calls[string(m[1])]++
	}
	return calls, nil
}

// recorder calls one of moto's /moto-api/recorder/ actions.
func (e *Emulator) recorder(ctx context.Context, action string) ([]byte, error) {
	method := http.MethodPost
	if action == "download-recording" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, e.Endpoint+"/moto-api/recorder/"+action, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("moto's recorder (%s): %w", action, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("moto's recorder (%s): HTTP %d: %s", action, resp.StatusCode, body)
	}
	return body, nil
}
