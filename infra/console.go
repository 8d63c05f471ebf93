package infra

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/console"
)

// ConsoleProps configures NewConsole.
type ConsoleProps struct {
	Config Config
	// ModuleDir is the repository root; the console is built from there at synth.
	ModuleDir string
	// API is the admin API the console calls: its CSP names the API's
	// origin (the RestApi id, never the stage: see consoleCSP), and
	// config.json its stage's URL.
	API  awsapigateway.RestApi
	Pool awscognito.IUserPool
	// AdminClient is the client the console signs in through.
	AdminClient awscognito.IUserPoolClient
}

// Console is what the stack needs of the web console.
type Console interface {
	// Origin is where the console is served from, without a trailing
	// slash: https:// and the custom domain, or the distribution's domain (a token).
	Origin() *string
	Distribution() awscloudfront.Distribution
}

type consoleResources struct {
	origin       *string
	distribution awscloudfront.Distribution
}

func (r *consoleResources) Origin() *string                          { return r.origin }
func (r *consoleResources) Distribution() awscloudfront.Distribution { return r.distribution }

// NewConsole serves the web console: its files in a private bucket only
// this distribution may read (origin access control), over HTTPS with the
// console's security headers, beside a config.json written from the
// stack's own values, so one build serves every environment.
func NewConsole(scope constructs.Construct, id string, props *ConsoleProps) Console {
	c := props.Config
	stack := awscdk.Stack_Of(scope)
	// No versioning: the bucket holds one build of a commit and config.json,
	// both rewritten (and what is gone pruned) by every deploy; old versions
	// would only pile up, and a rollback is a deploy of the older commit.
	// Destroyed with the stack: nothing in it is worth keeping, and the
	// deployment below empties it first (RetainOnDelete false).
	bucket := awss3.NewBucket(scope, jsii.String(id+"Bucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(false),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})

	security, custom, err := securityHeaders(console.SecurityHeaders(consoleCSP(stack, props.API)))
	if err != nil {
		panic("the console's security headers: " + err.Error())
	}
	headers := awscloudfront.NewResponseHeadersPolicy(scope, jsii.String(id+"Headers"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment:                 jsii.String("useradmin-" + c.Name + " web console: CSP, HSTS, no framing, no referrer"),
		SecurityHeadersBehavior: security,
		CustomHeadersBehavior:   custom,
	})
	// Every file is uploaded with Cache-Control: no-cache, and this policy
	// lets it through (minimum TTL 0): CloudFront and browsers revalidate
	// each request with the bucket's ETag, so index.html, app.js and
	// config.json are never stale after a deploy, with no invalidation (and
	// no cloudfront:CreateInvalidation on "*") needed. The app is a few
	// files for a few administrators: a 304 per file costs nothing.
	cache := awscloudfront.NewCachePolicy(scope, jsii.String(id+"CachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:                    jsii.String("useradmin-" + c.Name + " web console: revalidate every request (objects are no-cache)"),
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:                 awscdk.Duration_Days(jsii.Number(1)),
		MaxTtl:                     awscdk.Duration_Days(jsii.Number(365)),
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		HeaderBehavior:             awscloudfront.CacheHeaderBehavior_None(),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_None(),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})
	distProps := &awscloudfront.DistributionProps{
		Comment:           jsii.String("useradmin-" + c.Name + " web console"),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			// Read only (s3:GetObject), for this distribution only: the bucket policy names its ARN.
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           cache,
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
		},
	}
	origin := c.Console.customOrigin()
	if origin != "" {
		distProps.DomainNames = jsii.Strings(c.Console.domain())
		distProps.Certificate = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String(id+"Certificate"), jsii.String(c.Console.CertificateArn))
		// CloudFront's own *.cloudfront.net certificate allows TLS 1.0; a
		// custom domain can and does refuse anything below TLS 1.2.
		distProps.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	dist := awscloudfront.NewDistribution(scope, jsii.String(id+"Distribution"), distProps)
	if origin == "" {
		origin = "https://" + *dist.DistributionDomainName()
	}

	// The deployment's function gets a role and a log group of its own,
	// instead of CDK's default role with AWSLambdaBasicExecutionRole (which
	// may write to every log group in the account).
	role := awsiam.NewRole(scope, jsii.String(id+"DeployRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Copies the " + c.Name + " web console's files to its bucket at deploy"),
	})
	logs := newLogGroup(scope, id+"DeployLogs", c)
	logs.GrantWrite(role)
	awss3deployment.NewBucketDeployment(scope, jsii.String(id+"Files"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources: &[]awss3deployment.ISource{
			consoleSource(props.ModuleDir),
			awss3deployment.Source_JsonData(jsii.String(strings.TrimPrefix(console.ConfigPath, "/")), runtimeConfig(stack, props), nil),
		},
		CacheControl:   &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
		Role:           role,
		LogGroup:       logs,
		RetainOnDelete: jsii.Bool(false),
	})
	return &consoleResources{origin: jsii.String(origin), distribution: dist}
}

// consoleCSP is the console's Content-Security-Policy: connect-src names
// the API by its origin, built from the RestApi id, never from the stage.
// The console's origin is in the API's CORS (the Lambda's environment, the
// gateway responses, the preflight), so the function depends on the
// distribution, which depends on this policy; naming the stage here would
// close a cycle through the deployment's methods and the function.
func consoleCSP(stack awscdk.Stack, api awsapigateway.IRestApi) string {
	apiOrigin := fmt.Sprintf("https://%s.execute-api.%s.%s", *api.RestApiId(), *stack.Region(), *stack.UrlSuffix())
	return console.ContentSecurityPolicy(apiOrigin, console.CognitoOrigin(*stack.Region(), *stack.UrlSuffix()))
}

// runtimeConfig is config.json: console.RuntimeConfig from the stack's
// values (tokens, filled in at deploy), as the JSON object
// Source_JsonData takes.
func runtimeConfig(stack awscdk.Stack, props *ConsoleProps) map[string]any {
	p := props.Config.Password
	cfg := console.RuntimeConfig{
		Environment: props.Config.Name,
		Region:      *stack.Region(),
		// The stage's URL, with its trailing slash.
		APIURL:     *props.API.Url(),
		UserPoolID: *props.Pool.UserPoolId(),
		ClientID:   *props.AdminClient.UserPoolClientId(),
		PasswordPolicy: console.PasswordPolicy{
			MinLength: p.MinLength, RequireLowercase: p.RequireLowercase, RequireUppercase: p.RequireUppercase,
			RequireDigits: p.RequireDigits, RequireSymbols: p.RequireSymbols,
		},
		// The same declaration as the pool's schema and the Lambda's settings.
		CustomAttributes: props.Config.CustomAttributes,
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(mustJSON(cfg)), &obj); err != nil {
		panic(err)
	}
	return obj
}

// consoleSource is the console built at synth (console.Build), hashed by
// its output: one commit gives one asset.
func consoleSource(moduleDir string) awss3deployment.ISource {
	return awss3deployment.Source_Asset(jsii.String(filepath.Join(moduleDir, "console")), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Required by the type, never pulled: the local bundler always succeeds or stops the synth.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/node:22")),
			Local: &consoleBuild{moduleDir: moduleDir},
		},
	})
}

// consoleBuild is a CDK local bundler running console.Build: no Docker.
type consoleBuild struct{ moduleDir string }

// TryBundle implements awscdk.ILocalBundling. jsii calls it through a
// pointer: pass &consoleBuild{…}, never a value.
func (b *consoleBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := console.Build(context.Background(), b.moduleDir, *outputDir); err != nil {
		// As goBuild: false would fall back to Docker and hide the error.
		panic(err.Error())
	}
	return jsii.Bool(true)
}

// securityHeaders turns console.SecurityHeaders into a CloudFront response
// headers policy: the security headers CloudFront types, any other as a
// custom header, each overriding what the origin sends. A value CloudFront
// cannot express is an error, so the served headers never drift from the
// console package's.
func securityHeaders(h map[string]string) (*awscloudfront.ResponseSecurityHeadersBehavior, *awscloudfront.ResponseCustomHeadersBehavior, error) {
	sec := &awscloudfront.ResponseSecurityHeadersBehavior{}
	var custom []*awscloudfront.ResponseCustomHeader
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		v := h[name]
		switch strings.ToLower(name) {
		case "content-security-policy":
			sec.ContentSecurityPolicy = &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: jsii.String(v), Override: jsii.Bool(true)}
		case "strict-transport-security":
			hsts, err := parseHSTS(v)
			if err != nil {
				return nil, nil, err
			}
			sec.StrictTransportSecurity = hsts
		case "x-frame-options":
			opt := awscloudfront.HeadersFrameOption(strings.ToUpper(v))
			if opt != awscloudfront.HeadersFrameOption_DENY && opt != awscloudfront.HeadersFrameOption_SAMEORIGIN {
				return nil, nil, fmt.Errorf("X-Frame-Options %q: CloudFront sends DENY or SAMEORIGIN", v)
			}
			sec.FrameOptions = &awscloudfront.ResponseHeadersFrameOptions{FrameOption: opt, Override: jsii.Bool(true)}
		case "referrer-policy":
			p := awscloudfront.HeadersReferrerPolicy(strings.ToUpper(strings.ReplaceAll(v, "-", "_")))
			if !slices.Contains(referrerPolicies, p) {
				return nil, nil, fmt.Errorf("Referrer-Policy %q is not one CloudFront sends", v)
			}
			sec.ReferrerPolicy = &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: p, Override: jsii.Bool(true)}
		case "x-content-type-options":
			if v != "nosniff" {
				return nil, nil, fmt.Errorf("X-Content-Type-Options %q: CloudFront sends nosniff only", v)
			}
			sec.ContentTypeOptions = &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)}
		case "x-xss-protection":
			return nil, nil, fmt.Errorf("X-XSS-Protection is not mapped: set it in the security headers behaviour here")
		default:
			custom = append(custom, &awscloudfront.ResponseCustomHeader{Header: jsii.String(name), Value: jsii.String(v), Override: jsii.Bool(true)})
		}
	}
	var customBehavior *awscloudfront.ResponseCustomHeadersBehavior
	if len(custom) > 0 {
		customBehavior = &awscloudfront.ResponseCustomHeadersBehavior{CustomHeaders: &custom}
	}
	return sec, customBehavior, nil
}

var referrerPolicies = []awscloudfront.HeadersReferrerPolicy{
	awscloudfront.HeadersReferrerPolicy_NO_REFERRER, awscloudfront.HeadersReferrerPolicy_NO_REFERRER_WHEN_DOWNGRADE,
	awscloudfront.HeadersReferrerPolicy_ORIGIN, awscloudfront.HeadersReferrerPolicy_ORIGIN_WHEN_CROSS_ORIGIN,
	awscloudfront.HeadersReferrerPolicy_SAME_ORIGIN, awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN,
	awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, awscloudfront.HeadersReferrerPolicy_UNSAFE_URL,
}

// parseHSTS reads "max-age=N[; includeSubDomains][; preload]".
func parseHSTS(v string) (*awscloudfront.ResponseHeadersStrictTransportSecurity, error) {
	hsts := &awscloudfront.ResponseHeadersStrictTransportSecurity{Override: jsii.Bool(true)}
	for _, d := range strings.Split(v, ";") {
		d = strings.TrimSpace(d)
		switch {
		case strings.HasPrefix(strings.ToLower(d), "max-age="):
			n, err := strconv.Atoi(d[len("max-age="):])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("Strict-Transport-Security %q: bad max-age", v)
			}
			hsts.AccessControlMaxAge = awscdk.Duration_Seconds(jsii.Number(n))
		case strings.EqualFold(d, "includeSubDomains"):
			hsts.IncludeSubdomains = jsii.Bool(true)
		case strings.EqualFold(d, "preload"):
			hsts.Preload = jsii.Bool(true)
		default:
			return nil, fmt.Errorf("Strict-Transport-Security %q: unknown directive %q", v, d)
		}
	}
	if hsts.AccessControlMaxAge == nil {
		return nil, fmt.Errorf("Strict-Transport-Security %q: no max-age", v)
	}
	return hsts, nil
}

// apiOrigins are the origins the API answers browsers from: the console's
// first (a gateway response has one static Access-Control-Allow-Origin,
// and answers the first), then Config.CORSOrigins. consoleOrigin is empty
// when the environment has no console.
func apiOrigins(consoleOrigin string, c Config) []string {
	if consoleOrigin == "" {
		return c.CORSOrigins
	}
	return append([]string{consoleOrigin}, c.CORSOrigins...)
}

// lazyString is a value CDK asks for at synth, once the stack is built:
// the API's CORS needs the console's origin, and the console (its CSP,
// config.json) is made after the API.
type lazyString struct{ produce func() *string }

// Produce implements awscdk.IStableStringProducer (through a pointer, for jsii).
func (l *lazyString) Produce() *string { return l.produce() }
