// Command emptyapp is the smallest CDK Go app: one stack holding only the
// placeholder resource CloudFormation requires (a template with no resources
// fails cdk.json's validateAgainstDefaultRules). The benchmark times its synth
// beside the product's: what they share (Node and jsii starting, the CDK
// library loading, the assembly written) is the floor, and the ratio shows
// what the product's own constructs add.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Empty"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Placeholder"), nil)
	app.Synth(nil)
}
