package coldstart

import (
	_ "embed"
	"encoding/json"
	"os/exec"
)

//go:embed noderuntime.js
var nodeRuntime string

// NodeCommand is the argv of the Node.js runtime to compare with, or an
// error when node is not installed.
func NodeCommand() ([]string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	return []string{node, "-e", nodeRuntime}, nil
}

// NodeSDK names the SDK the Node.js runtime loaded ("none" for Node alone),
// from its response.
func NodeSDK(s Sample) string {
	var resp struct{ Body string }
	var body struct{ SDK string }
	if json.Unmarshal(s.Body, &resp) != nil || json.Unmarshal([]byte(resp.Body), &body) != nil || body.SDK == "" {
		return "unknown"
	}
	return body.SDK
}
