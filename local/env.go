package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/lambda/handler"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// Region is the region local mode's pool lives in (it appears in token issuers).
const Region = "us-east-1"

// Env is a running local deployment: the emulator, the pool built from the
// template, and the gateway in front of the Lambda's handler.
type Env struct {
	Emulator *Emulator
	Pool     *Pool
	// Cognito is an SDK client for the emulator.
	Cognito *cip.Client
	Gateway *Gateway
	// Audit is the audit table and the user events' bus, fed by the publisher through a stand-in for the event source mapping.
	Audit *Audit
	// Settings are the Lambda's, read from the template's function environment.
	Settings settings.Settings
	// SCIM is the SCIM routes' authorization, nil where the template has none.
	SCIM *SCIM
	// Notes list the template's properties the emulator does not enforce.
	Notes  []string
	cancel context.CancelFunc
	// newGateway builds another gateway over the same API, authorizer and handler.
	newGateway func() (*Gateway, error)
	// consoleListener is where the console is (or will be) served: its
	// address is the console's origin, known before the API's CORS is read.
	consoleListener net.Listener
	// console serves it once ServeConsole is called.
	console *http.Server
	// consoleAsset is the synthesized console (the template's
	// BucketDeployment asset, as built at synth), "" when it deploys none.
	consoleAsset string
}

// Options of Start.
type Options struct {
	// Console is the listener the console will be served on (ServeConsole);
	// nil: a free port on 127.0.0.1. Its address is the console's origin,
	// which the API's CORS answers in place of the deployed console's.
	Console net.Listener
}

// Start starts the emulator, provisions it from the template at path, and
// builds the gateway; logs (the handler's and the gateway's) go to log as JSON.
func Start(ctx context.Context, templatePath string, log io.Writer) (*Env, error) {
	return StartWith(ctx, templatePath, log, Options{})
}

// StartWith is Start with options.
func StartWith(ctx context.Context, templatePath string, log io.Writer, o Options) (env *Env, err error) {
	t, err := ReadTemplate(templatePath)
	if err != nil {
		return nil, err
	}
	ln := o.Console
	if ln == nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("listening for the console: %w", err)
		}
	}
	corsNotes, err := LocalizeCORS(t, "http://"+ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	emu, err := StartEmulator(ctx)
	if err != nil {
		ln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	env = &Env{Emulator: emu, cancel: cancel, consoleListener: ln, consoleAsset: t.ConsoleAsset(filepath.Dir(templatePath))}
	defer func() {
		if err != nil {
			env.Close()
		}
	}()
	env.Cognito = NewCognitoClient(emu.Endpoint)
	if env.Pool, env.Notes, err = Provision(ctx, env.Cognito, t); err != nil {
		return env, err
	}
	auditNotes, err := env.provisionAudit(ctx, t)
	if err != nil {
		return env, err
	}
	env.Notes = append(env.Notes, auditNotes...)
	env.Notes = append(env.Notes, corsNotes...)
	if env.Settings, err = functionSettings(t, env.Pool); err != nil {
		return env, err
	}
	auth, err := NewAuthorizer(ctx, emu.Endpoint, Region, env.Pool.ID, []string{env.Pool.ClientID, env.Pool.AdminClientID})
	if err != nil {
		return env, err
	}
	logger := slog.New(newLogHandler(log))
	scimNotes, err := env.provisionSCIM(ctx, t, logger)
	if err != nil {
		return env, err
	}
	env.Notes = append(env.Notes, scimNotes...)
	env.Notes = append(env.Notes, resendNote, srpNote, mfaNote, revokeNote)
	h := handler.New(env.Settings, emulatedCognito{env.Cognito}, logger).
		WithRecords(audit.NewStore(env.Audit.DynamoDB, env.Settings.AuditTable, env.Settings.AuditRetentionDays))
	if err := env.Audit.RunPublisher(ctx, logger); err != nil {
		return env, err
	}
	env.newGateway = func() (*Gateway, error) {
		g, err := NewGateway(t, auth, h.Handle, logger)
		if err == nil && env.SCIM != nil {
			g.SetSCIMAuth(env.SCIM.Authorize, env.SCIM.VerifyAccessToken, env.SCIM)
		}
		return g, err
	}
	env.Gateway, err = env.newGateway()
	return env, err
}

// NewStage returns another gateway in front of the same pool and handler,
// as a freshly deployed stage: its throttling buckets start full and are
// its own, so a test can exhaust them without slowing the shared Gateway.
func (e *Env) NewStage() (*Gateway, error) { return e.newGateway() }

// Close stops the console's server, if any, and the emulator.
func (e *Env) Close() {
	if e.cancel != nil {
		e.cancel()
	}
	if e.console != nil {
		_ = e.console.Close() // closes the listener too
	} else if e.consoleListener != nil {
		_ = e.consoleListener.Close()
	}
	e.Emulator.Stop()
}

// NewCognitoClient is an SDK client for the emulator at endpoint, with dummy credentials.
func NewCognitoClient(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// functionSettings reads the Lambda's environment from the template, with
// references resolved to what was provisioned: local mode runs the handler
// with exactly the settings that deploy.
func functionSettings(t *Template, p *Pool) (settings.Settings, error) {
	_, fn, err := t.APIFunction()
	if err != nil {
		return settings.Settings{}, err
	}
	envProps, _ := fn.Properties["Environment"].(map[string]any)
	vars, err := p.Resolve(envProps["Variables"])
	if err != nil {
		return settings.Settings{}, fmt.Errorf("the function's environment: %w", err)
	}
	m, _ := vars.(map[string]any)
	return settings.FromEnv(func(k string) string {
		if v, ok := m[k].(string); ok {
			return v
		}
		return ""
	})
}

// SeedUser creates a confirmed user with a permanent password, in groups.
func (e *Env) SeedUser(ctx context.Context, email, password string, groups ...string) error {
	if _, err := e.Cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId:    &e.Pool.ID,
		Username:      &email,
		MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: &email},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		return fmt.Errorf("seeding %s: %w", email, err)
	}
	if _, err := e.Cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: &e.Pool.ID, Username: &email, Password: &password, Permanent: true,
	}); err != nil {
		return fmt.Errorf("setting %s's password: %w", email, err)
	}
	for _, g := range groups {
		if _, err := e.Cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: &e.Pool.ID, Username: &email, GroupName: aws.String(g),
		}); err != nil {
			return fmt.Errorf("adding %s to %s: %w", email, g, err)
		}
	}
	return nil
}

// SignIn signs a user in through the app client with the username/password
// flow and returns the result: tokens, or a challenge such as
// NEW_PASSWORD_REQUIRED. Unlike SRP against the emulator, it checks the password.
func (e *Env) SignIn(ctx context.Context, email, password string) (*cip.InitiateAuthOutput, error) {
	return e.Cognito.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserPasswordAuth,
		ClientId:       &e.Pool.ClientID,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
}

// IDToken signs a user in through the app client and returns their ID
// token; the admin API refuses it unless the config allows the app client
// (AdminIDToken gets the token admins use).
func (e *Env) IDToken(ctx context.Context, email, password string) (string, error) {
	out, err := e.SignIn(ctx, email, password)
	if err != nil {
		return "", err
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.IdToken == nil {
		return "", errors.New("sign-in returned a challenge, not tokens")
	}
	return *out.AuthenticationResult.IdToken, nil
}

// provisionAudit creates the audit table and the bus from the template.
func (e *Env) provisionAudit(ctx context.Context, t *Template) ([]string, error) {
	a, notes, err := ProvisionAudit(ctx, e.Emulator.Endpoint, t, e.Pool)
	if err != nil {
		return nil, err
	}
	e.Audit = a
	return notes, nil
}

// provisionSCIM sets up the SCIM routes' authorization from the template.
func (e *Env) provisionSCIM(ctx context.Context, t *Template, log *slog.Logger) ([]string, error) {
	s, notes, err := provisionSCIM(ctx, e.Emulator.Endpoint, e.Cognito, t, e.Pool, log)
	if err != nil {
		return nil, err
	}
	e.SCIM = s
	return notes, nil
}
