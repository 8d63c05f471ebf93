// Command useradmin is the administrators' command line for the user admin
// API: sign in with SRP, then create, list and manage users.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/useradmin/cognito-user-admin/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
