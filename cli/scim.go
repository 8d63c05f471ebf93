package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/lambda/scimauth"
)

// scimTokenSecretOutput is the stack output naming the secret that holds the bearer token's hash.
const scimTokenSecretOutput = "ScimTokenSecretArn"

func (a *app) scimCommand() *cobra.Command {
	const example = `  useradmin scim rotate-token --from-stack UserAdmin-prd --region eu-west-1
  useradmin scim rotate-token --local   # make dev's token`
	scim := &cobra.Command{Use: "scim", Short: "The identity provider's SCIM connection (docs/scim.md)", Example: example}
	var stack, secretID, region string
	var local bool
	rotate := &cobra.Command{
		Use:   "rotate-token",
		Short: "Make a new SCIM bearer token, store only its hash, and print it once",
		Long: `Make a new random SCIM bearer token, write its SHA-256 hash (never the token)
to the stack's Secrets Manager secret, and print the token once on standard
output: paste it into the identity provider (Entra ID's Secret Token, Okta's
HTTP header). The previous token stops working within a minute. Needs AWS
credentials allowed secretsmanager:PutSecretValue on the secret.
  useradmin scim rotate-token --from-stack UserAdmin-prd     (the stack output ScimTokenSecretArn)
  useradmin scim rotate-token --secret-id ARN
  useradmin scim rotate-token --local                         (make dev's emulator, .local/dev.json)`,
		Example: example,
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, set := range []bool{stack != "", secretID != "", local} {
				if set {
					n++
				}
			}
			if n != 1 {
				return usageErr("use one of --from-stack, --secret-id or --local")
			}
			return a.rotateSCIMToken(cmd.Context(), stack, secretID, region, local)
		},
	}
	f := rotate.Flags()
	f.StringVar(&stack, "from-stack", "", "the CloudFormation stack whose output "+scimTokenSecretOutput+" names the secret")
	f.StringVar(&secretID, "secret-id", "", "the ARN or name of the Secrets Manager secret holding the hash")
	f.StringVar(&region, "region", "", "the stack's region (default: the AWS configuration's)")
	f.BoolVar(&local, "local", false, "rotate make dev's token (reads "+devFilePath+")")
	scim.AddCommand(rotate)
	return scim
}

// localSCIM is the part of .local/dev.json the rotation needs.
type localSCIM struct {
	CognitoEndpoint string `json:"cognitoEndpoint"`
	Region          string `json:"region"`
	SCIM            struct {
		TokenSecretArn string `json:"tokenSecretArn"`
	} `json:"scim"`
}

func (a *app) rotateSCIMToken(ctx context.Context, stack, secretID, region string, local bool) error {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithLogger(logging.Nop{})}
	var endpoint string
	if local {
		b, err := os.ReadFile(devFilePath)
		if errors.Is(err, fs.ErrNotExist) {
			return usageErr("%s not found: run make dev in the repository first", devFilePath)
		}
		if err != nil {
			return failErr("%v", err)
		}
		var d localSCIM
		if err := json.Unmarshal(b, &d); err != nil {
			return failErr("%s: %v", devFilePath, err)
		}
		if d.SCIM.TokenSecretArn == "" {
			return failErr("%s has no scim.tokenSecretArn: the environment make dev serves has no SCIM bearer token", devFilePath)
		}
		secretID, endpoint, region = d.SCIM.TokenSecretArn, d.CognitoEndpoint, d.Region
		// The emulator takes any credentials; the machine's real ones are never sent to it.
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return failErr("loading AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		return usageErr("no AWS region: set AWS_REGION, or pass --region with the stack's region")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return failErr("no AWS credentials to write the SCIM token's hash (set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): %v", err)
	}
	if stack != "" {
		out, err := cloudformation.NewFromConfig(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
		if err != nil {
			return failErr("reading stack %s: %s", stack, cognitoMessage(err))
		}
		for _, s := range out.Stacks {
			for _, o := range s.Outputs {
				if aws.ToString(o.OutputKey) == scimTokenSecretOutput {
					secretID = aws.ToString(o.OutputValue)
				}
			}
		}
		if secretID == "" {
			return failErr("stack %s has no output %s: SCIM with a bearer token is not on there (Config.SCIM.Auth, docs/scim.md)", stack, scimTokenSecretOutput)
		}
	}
	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	token, value, err := scimauth.NewToken(a.io.Now())
	if err != nil {
		return failErr("making a token: %v", err)
	}
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretID), SecretString: aws.String(value)}); err != nil {
		return failErr("writing the token's hash to %s: %s", secretID, cognitoMessage(err))
	}
	// The token on standard output only, once; what to do with it on standard error.
	fmt.Fprintln(a.io.Stdout, token)
	a.note("The token's hash is in %s; the previous token stops working within a minute. Paste the token above into the identity provider now: it is shown only this once.", secretID)
	return nil
}
