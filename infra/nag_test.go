package infra

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// TestCdkNag runs cdk-nag's AwsSolutions pack over every environment's
// stack: no error or warning may be left unsuppressed. Suppressions live in
// nag.go, each on the narrowest resource, with its reason.
func TestCdkNag(t *testing.T) {
	app, dir := nagApp(t)
	// The shipped environments, and one with every option the others leave
	// off, so its resources are checked too.
	plus, _ := Environment("stg")
	plus.Name, plus.Region, plus.Retain = "prd", "eu-west-1", true
	plus.MFA, plus.FeaturePlan, plus.FirstAdminEmail = "required-totp", "PLUS", "first.admin@example.org"
	plus.SES = &SESSender{FromEmail: "no-reply@example.org"}
	plus.HostedUI = &HostedUI{DomainPrefix: "acme-users", CallbackURLs: []string{"https://app.example.org/cb"}}
	plus.ExtraGroups = []string{"support"}
	plus.CORSOrigins = []string{"https://app.example.org"}
	plus.Audit = AuditConfig{RetentionDays: 400, PointInTimeRecovery: true, CustomerKey: true}
	// A custom domain: TLS 1.2 at least, so no CFR4 suppression.
	plus.Console = ConsoleConfig{DomainName: "admin.example.org", CertificateArn: testCertificateArn}
	var stacks []awscdk.Stack
	for i, c := range append(Environments(), plus) {
		scope := constructs.Construct(app)
		if i == 3 {
			scope = awscdk.NewStage(app, jsii.String("Options"), nil) // a second UserAdmin-prd needs its own stage
		}
		s, err := NewUserAdminStack(scope, &UserAdminStackProps{Config: c, ModuleDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		noPanic(t, "cdk-nag suppressions of "+c.Name, func() { NagSuppressions(s, c) })
		stacks = append(stacks, s)
	}
	for _, s := range stacks {
		checkNag(t, s)
	}
}

// nagApp is a test App with cdk-nag's AwsSolutions checks on every construct.
func nagApp(t *testing.T) (awscdk.App, string) {
	t.Helper()
	app, dir := testApp(t)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return app, dir
}

// checkNag fails on every AwsSolutions error or warning left unsuppressed
// in stack, naming the rule and the resource path.
func checkNag(t *testing.T, stack awscdk.Stack) {
	t.Helper()
	//lint:ignore SA1019 see below
	var errs, warns *[]*cxapi.SynthesisMessage
	// Synthesis runs the pack: an error thrown there fails this test only.
	noPanic(t, "cdk-nag over "+*stack.StackName(), func() {
		anns := assertions.Annotations_FromStack(stack)
		errs = anns.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		warns = anns.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	})
	var findings []string
	// Annotations.Find* return this type in aws-cdk-go v2.270.0; its replacement is not in the Go module.
	//lint:ignore SA1019 the only type the assertions API offers
	for kind, found := range map[string]*[]*cxapi.SynthesisMessage{"error": errs, "warning": warns} {
		for _, m := range *found {
			//lint:ignore SA1019 see above
			findings = append(findings, fmt.Sprintf("%s %s: %v", kind, *m.Id, m.Entry.Data))
		}
	}
	sort.Strings(findings)
	for _, f := range findings {
		t.Errorf("%s: unsuppressed cdk-nag finding: %s", *stack.StackName(), f)
	}
}

// noPanic runs f and turns a panic into a failure of this test alone. jsii
// throws a JavaScript error as a Go panic (a cdk-nag error, a suppression
// whose path matches nothing), and a panic ends the whole test binary: every
// other infra test would go unreported.
func noPanic(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != nil {
			t.Fatalf("%s: %v", what, r)
		}
	}()
	f()
}

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends
// the goroutine, as testing.T's does.
type fatalRecorder struct {
	testing.TB
	failure string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestNagErrorFailsOneTest: a cdk-nag error (here a suppression on a path
// that matches nothing) becomes a failure of the test that met it, with
// cdk-nag's message, not a panic that aborts the package.
func TestNagErrorFailsOneTest(t *testing.T) {
	app, _ := testApp(t)
	stack := awscdk.NewStack(app, jsii.String("NagPanic"), nil)
	rec := &fatalRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		noPanic(rec, "suppressions", func() {
			cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/NagPanic/Nothing"),
				&[]*cdknag.NagPackSuppression{{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("a reason long enough for cdk-nag")}}, nil)
		})
	}()
	<-done
	if !strings.Contains(rec.failure, "suppressions: ") || !strings.Contains(rec.failure, "did not match any resource") {
		t.Errorf("failure = %q, want cdk-nag's error as the test's failure", rec.failure)
	}
}
