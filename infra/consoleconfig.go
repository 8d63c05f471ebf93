package infra

import (
	"regexp"
	"strings"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ConsoleConfig configures the web console (console.go; docs/deploying.md).
type ConsoleConfig struct {
	// Disabled leaves the console out of the environment: no bucket, no
	// distribution, and the API's CORS is CORSOrigins alone.
	Disabled bool
	// DomainName, optional, serves the console at https://<DomainName>
	// instead of the distribution's *.cloudfront.net name. Point a DNS
	// record (CNAME, or a Route 53 alias) at ConsoleDistributionDomainName.
	DomainName string
	// CertificateArn is an ACM certificate covering DomainName, in
	// us-east-1 (the only region CloudFront takes certificates from).
	CertificateArn string
}

// domain is DomainName in lower case, as CloudFront takes aliases and
// browsers send origins.
func (cc ConsoleConfig) domain() string { return strings.ToLower(cc.DomainName) }

// customOrigin is the console's origin when it has a custom domain, else "".
func (cc ConsoleConfig) customOrigin() string {
	if cc.Disabled || cc.DomainName == "" {
		return ""
	}
	return "https://" + cc.domain()
}

var certificateArnRe = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}$`)

// validateConsole checks Console, reporting through Validate's bad.
func (c Config) validateConsole(bad func(field, format string, args ...any)) {
	cc := c.Console
	if cc.Disabled {
		if cc.DomainName != "" || cc.CertificateArn != "" {
			bad("Console", "DomainName and CertificateArn are set but the console is Disabled: remove them, or enable the console")
		}
		return
	}
	switch {
	case cc.DomainName != "" && cc.CertificateArn == "":
		bad("Console.CertificateArn", "needed with Console.DomainName %q: an ACM certificate in us-east-1 covering it", cc.DomainName)
	case cc.DomainName == "" && cc.CertificateArn != "":
		bad("Console.DomainName", "needed with Console.CertificateArn: the domain the certificate is for")
	}
	if cc.DomainName != "" && !isDomain(cc.DomainName) {
		bad("Console.DomainName", "%q is not a domain name (e.g. admin.example.org)", cc.DomainName)
	}
	if cc.CertificateArn != "" {
		m := certificateArnRe.FindStringSubmatch(cc.CertificateArn)
		switch {
		case m == nil:
			bad("Console.CertificateArn", "%q is not an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>)", cc.CertificateArn)
		case m[1] != "us-east-1":
			bad("Console.CertificateArn", "the certificate is in %s: CloudFront uses ACM certificates from us-east-1 only; request or import one there", m[1])
		}
	}
	if o := cc.customOrigin(); o != "" {
		for _, x := range c.CORSOrigins {
			if strings.EqualFold(x, o) {
				bad("CORSOrigins", "%q is the console's own origin, which the API allows already: remove it", x)
			}
		}
	}
}

// consoleNagSuppressions are the cdk-nag suppressions the console needs;
// NagSuppressions calls it.
func consoleNagSuppressions(suppress func(path string, s ...*cdknag.NagPackSuppression), c Config) {
	if c.Console.Disabled {
		return
	}
	suppress("ConsoleBucket/Resource", &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("The bucket holds the console's static build and config.json, which every visitor receives alike; only the distribution reads it. " +
			"What administrators do is recorded by the API's access logs and the audit table."),
	})
	var dist []*cdknag.NagPackSuppression
	dist = append(dist,
		&cdknag.NagPackSuppression{
			Id:     jsii.String("AwsSolutions-CFR1"),
			Reason: jsii.String("The console is static files; who may act is decided by Cognito sign-in and the API, wherever the administrator is."),
		},
		&cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-CFR2"),
			Reason: jsii.String("The distribution serves the same static files to everyone and takes no input; the API it calls has its own web ACL " +
				"(Config.WAF, on in stg and prd). A CloudFront web ACL would add cost without a threat it stops."),
		},
		&cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-CFR3"),
			Reason: jsii.String("Requests for the console's static files say nothing the API's access logs and audit table do not; " +
				"access logs would need a log bucket with ACLs enabled for no reader."),
		},
	)
	if c.Console.DomainName == "" {
		dist = append(dist, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-CFR4"),
			Reason: jsii.String("Without a custom domain the distribution uses CloudFront's *.cloudfront.net certificate, whose security policy " +
				"CloudFront fixes (TLSv1); set Console.DomainName and Console.CertificateArn to require TLS 1.2 (TLSv1.2_2021)."),
		})
	}
	suppress("ConsoleDistribution/Resource", dist...)
	// BucketDeployment's handler is CDK's own (one per stack, at a path CDK fixes).
	suppress("Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C/Resource", &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-L1"),
		Reason: jsii.String("The function is CDK's BucketDeployment handler (Python with the AWS CLI layer): its runtime is the one aws-cdk-lib " +
			"tests its code with, and moves with the pinned aws-cdk-lib version, not ours to choose."),
	})
	// The deployment's own role: CDK grants it read on its asset bucket and
	// read-write on the console bucket, with object wildcards.
	suppress("ConsoleDeployRole/DefaultPolicy/Resource", &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK's BucketDeployment copies the console's files: it reads its zipped assets from the CDK asset bucket and syncs " +
			"(lists, writes, deletes) every object of the console bucket. The wildcards are those grants' action groups " +
			"(s3:GetObject*, s3:GetBucket*, s3:List*, s3:DeleteObject*, s3:Abort*) and the objects of those two buckets only."),
		AppliesTo: &[]any{
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(aws|<AWS::Partition>):s3:::cdk-[a-z0-9]+-assets-.*\/\*$/g`)},
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<ConsoleBucket[0-9A-F]+\.Arn>\/\*$/g`)},
		},
	})
}
