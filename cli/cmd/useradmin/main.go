// Command useradmin is the administrators' command line for the user admin
// API: sign in with SRP, then create, list and manage users.
package main

import (
	"context"
	"os"

	"github.com/useradmin/cognito-user-admin/cli"
)

// Ctrl-C ends the command at once: every file it writes is replaced
// atomically, so nothing is left half-written.
func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
