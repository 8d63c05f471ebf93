// Command useradmin is the CDK app: one UserAdmin-<env> stack per environment.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/infra"
)

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	for _, c := range infra.Environments() {
		if _, err := infra.NewUserAdminStack(app, &infra.UserAdminStackProps{Config: c}); err != nil {
			return err
		}
	}
	app.Synth(nil)
	return nil
}
