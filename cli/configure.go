package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"
)

// devFile is the part of .local/dev.json (written by make dev) a profile needs.
type devFile struct {
	APIURL           string `json:"apiUrl"`
	Region           string `json:"region"`
	UserPoolID       string `json:"userPoolId"`
	UserPoolClientID string `json:"userPoolClientId"`
	AdminClientID    string `json:"adminClientId"`
	CognitoEndpoint  string `json:"cognitoEndpoint"`
}

// devFilePath is where make dev writes its connection details.
var devFilePath = filepath.Join(".local", "dev.json")

func (a *app) configureCommand() *cobra.Command {
	var p Profile
	var local, print bool
	var stack string
	cmd := &cobra.Command{
		Use:   "configure",
		Short: "Save a profile: where the API and the user pool are",
		Long: `Save a profile: the API's URL and the user pool administrators sign in to.
Three ways:
  useradmin configure --profile NAME --api-url URL --region R --user-pool-id ID --client-id ID
  useradmin configure --profile NAME --from-stack UserAdmin-prd   (reads the stack's outputs and the pool's
                                                                  password policy; needs AWS credentials)
  useradmin configure --profile NAME --local                      (reads .local/dev.json, written by make dev)
With --print, nothing is saved: the command prints the first form, for a
platform team to hand to an administrator who has no AWS credentials.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			explicit := cmd.Flags().Changed("api-url") || cmd.Flags().Changed("user-pool-id") || cmd.Flags().Changed("client-id")
			switch {
			case local && stack != "", (local || stack != "") && explicit:
				return usageErr("use one of --local, --from-stack, or the explicit flags")
			case local:
				d, err := a.readDevFile()
				if err != nil {
					return err
				}
				p = d
			case stack != "":
				if cmd.Flags().Changed("password-policy") {
					return usageErr("--from-stack reads the password policy from the stack: drop --password-policy")
				}
				d, err := a.fromStack(cmd.Context(), stack, p.Region)
				if err != nil {
					return err
				}
				p = d
			}
			if err := p.validate(); err != nil {
				return usageErr("%v", err)
			}
			if p.PasswordPolicy != "" {
				pp, err := parsePolicy(p.PasswordPolicy)
				if err != nil {
					return usageErr("%v", err)
				}
				p.PasswordPolicy = formatPolicy(pp)
			}
			if err := checkEndpoint("--api-url", p.APIURL); err != nil {
				return usageErr("%v", err)
			}
			if p.CognitoEndpoint != "" {
				if err := checkEndpoint("--cognito-endpoint", p.CognitoEndpoint); err != nil {
					return usageErr("%v", err)
				}
			}
			if print {
				fmt.Fprintln(a.io.Stdout, configureLine(a.profile, p))
				return nil
			}
			if err := a.saveProfile(p); err != nil {
				return failErr("saving the profile: %v", err)
			}
			a.note("Profile %s saved in %s. Next: %s", a.profile, a.configPath(), a.hint("login"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.APIURL, "api-url", "", "the API's URL (the stack output ApiUrl)")
	f.StringVar(&p.Region, "region", "", "the user pool's region (the stack output Region); with --from-stack, the stack's region")
	f.StringVar(&p.UserPoolID, "user-pool-id", "", "the user pool (the stack output UserPoolId)")
	f.StringVar(&p.ClientID, "client-id", "", "the administrators' app client (the stack output AdminClientId)")
	f.StringVar(&p.CognitoEndpoint, "cognito-endpoint", "", "a Cognito endpoint other than the region's (an emulator)")
	f.StringVar(&p.PasswordPolicy, "password-policy", "", "the pool's password policy, e.g. min=12,lower,upper,digit,symbol (default: that one)")
	f.BoolVar(&local, "local", false, "read "+devFilePath+" written by make dev")
	f.StringVar(&stack, "from-stack", "", "read the outputs of this CloudFormation stack (needs AWS credentials)")
	f.BoolVar(&print, "print", false, "print the explicit configure command instead of saving")
	return cmd
}

// configureLine is the explicit configure command for p.
func configureLine(profile string, p Profile) string {
	parts := []string{"--profile", profile, "--api-url", p.APIURL, "--region", p.Region, "--user-pool-id", p.UserPoolID, "--client-id", p.ClientID}
	if p.CognitoEndpoint != "" {
		parts = append(parts, "--cognito-endpoint", p.CognitoEndpoint)
	}
	if p.PasswordPolicy != "" {
		parts = append(parts, "--password-policy", p.PasswordPolicy)
	}
	for i, s := range parts {
		if strings.ContainsAny(s, " '\"$&;|<>()`\\*?") {
			parts[i] = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return "useradmin configure " + strings.Join(parts, " ")
}

func (a *app) readDevFile() (Profile, error) {
	b, err := os.ReadFile(devFilePath)
	if errors.Is(err, fs.ErrNotExist) {
		return Profile{}, usageErr("%s not found: run make dev in the repository first, and configure --local from there", devFilePath)
	}
	if err != nil {
		return Profile{}, failErr("%v", err)
	}
	var d devFile
	if err := json.Unmarshal(b, &d); err != nil {
		return Profile{}, failErr("%s: %v", devFilePath, err)
	}
	clientID := d.AdminClientID
	if clientID == "" {
		// A dev.json from before the admin client existed.
		clientID = d.UserPoolClientID
	}
	abs, err := filepath.Abs(devFilePath)
	if err != nil {
		return Profile{}, failErr("%v", err)
	}
	return Profile{APIURL: d.APIURL, Region: d.Region, UserPoolID: d.UserPoolID, ClientID: clientID, CognitoEndpoint: d.CognitoEndpoint, DevFile: abs}, nil
}

// fromStack reads a deployed stack's outputs with the default AWS
// credential chain (environment, shared config, SSO, instance role).
func (a *app) fromStack(ctx context.Context, stack, region string) (Profile, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	// No SDK log lines (such as the instance metadata client's IMDSv1
	// fallback warning) on the terminal: errors are reported below.
	opts = append(opts, awsconfig.WithLogger(logging.Nop{}))
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Profile{}, failErr("loading AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		return Profile{}, usageErr("no AWS region: set AWS_REGION, or pass --region with the stack's region (make outputs: REGION=…)")
	}
	// The credential chain's own error names its last link (often the EC2
	// instance role), which tells a laptop user nothing: say what is missing.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return Profile{}, failErr("no AWS credentials to read stack %s (set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); without them, use the explicit configure line your platform team sends: %v", stack, err)
	}
	cf := cloudformation.NewFromConfig(cfg)
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return Profile{}, failErr("reading stack %s: %s", stack, cognitoMessage(err))
	}
	if len(out.Stacks) != 1 {
		return Profile{}, failErr("stack %s: found %d stacks", stack, len(out.Stacks))
	}
	outputs := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	p := Profile{APIURL: outputs["ApiUrl"], Region: outputs["Region"], UserPoolID: outputs["UserPoolId"], ClientID: outputs["AdminClientId"]}
	if p.Region == "" {
		p.Region = cfg.Region
	}
	var missing []string
	for _, k := range []string{"ApiUrl", "UserPoolId", "AdminClientId"} {
		if outputs[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return Profile{}, failErr("stack %s has no output %s: deploy this version of the stack first", stack, strings.Join(missing, ", "))
	}
	tmpl, err := cf.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return Profile{}, failErr("reading stack %s's template, for the pool's password policy: %s", stack, cognitoMessage(err))
	}
	pp, err := templatePolicy(aws.ToString(tmpl.TemplateBody))
	if err != nil {
		return Profile{}, failErr("stack %s: %v", stack, err)
	}
	p.PasswordPolicy = formatPolicy(pp)
	return p, nil
}
