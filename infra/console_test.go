package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/console"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

const testCertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/0b5a0e1c-2d3f-4a5b-8c6d-7e8f9a0b1c2d"

// render writes a template value as one string: Ref as ${Id}, Fn::GetAtt
// as ${Id.Attr}, Fn::Join joined, so a test can compare a value built from
// tokens with what Go code would build from the same placeholders.
func render(t *testing.T, v any) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case map[string]any:
		if id, ok := v["Ref"].(string); ok {
			return "${" + id + "}"
		}
		if ga, ok := v["Fn::GetAtt"].([]any); ok {
			return fmt.Sprintf("${%v.%v}", ga[0], ga[1])
		}
		if j, ok := v["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, render(t, p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if s, ok := v["Fn::Sub"].(string); ok {
			return s
		}
	}
	t.Fatalf("cannot render %v", v)
	return ""
}

// consoleOriginIn is the console's origin as render writes it.
func consoleOriginIn(t *testing.T, tpl assertions.Template) string {
	dist, _ := only(t, tpl, "AWS::CloudFront::Distribution")
	return "https://${" + dist + ".DomainName}"
}

// The bucket is private, encrypted and TLS-only, and its policy lets this
// distribution (and nothing else) read objects, through origin access control.
func TestConsoleBucketPrivate(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			bucketID, bucket := only(t, tpl, "AWS::S3::Bucket")
			p := props(bucket)
			if !equalJSON(p["PublicAccessBlockConfiguration"], map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			}) {
				t.Errorf("public access block = %v", p["PublicAccessBlockConfiguration"])
			}
			if !strings.Contains(mustJSONTest(p["BucketEncryption"]), `"SSEAlgorithm":"AES256"`) {
				t.Errorf("encryption = %v", p["BucketEncryption"])
			}
			if p["WebsiteConfiguration"] != nil || p["VersioningConfiguration"] != nil {
				t.Errorf("bucket is a website or versioned: %v", p)
			}
			distID, dist := only(t, tpl, "AWS::CloudFront::Distribution")
			oacID, oac := only(t, tpl, "AWS::CloudFront::OriginAccessControl")
			if !equalJSON(props(oac)["OriginAccessControlConfig"].(map[string]any)["SigningBehavior"], "always") {
				t.Errorf("OAC = %v", props(oac))
			}
			origins := props(dist)["DistributionConfig"].(map[string]any)["Origins"].([]any)
			if len(origins) != 1 || render(t, origins[0].(map[string]any)["OriginAccessControlId"]) != "${"+oacID+".Id}" ||
				render(t, origins[0].(map[string]any)["DomainName"]) != "${"+bucketID+".RegionalDomainName}" {
				t.Errorf("origins = %v", origins)
			}

			_, policy := only(t, tpl, "AWS::S3::BucketPolicy")
			var allows []any
			denyInsecure := false
			for _, s := range props(policy)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				switch st["Effect"] {
				case "Allow":
					allows = append(allows, st)
				case "Deny":
					denyInsecure = denyInsecure || strings.Contains(mustJSONTest(st["Condition"]), `"aws:SecureTransport":"false"`)
				}
			}
			if !denyInsecure {
				t.Error("the bucket policy does not deny requests without TLS")
			}
			if len(allows) != 1 {
				t.Fatalf("bucket policy allows %d statements, want the distribution's only: %v", len(allows), allows)
			}
			a := allows[0].(map[string]any)
			source := render(t, a["Condition"].(map[string]any)["StringEquals"].(map[string]any)["AWS:SourceArn"])
			if !equalJSON(a["Principal"], map[string]any{"Service": "cloudfront.amazonaws.com"}) || a["Action"] != "s3:GetObject" ||
				render(t, a["Resource"]) != "${"+bucketID+".Arn}/*" ||
				source != "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${"+distID+"}" {
				t.Errorf("the distribution's grant = %v (source %s)", a, source)
			}
			cfg := props(dist)["DistributionConfig"].(map[string]any)
			behavior := cfg["DefaultCacheBehavior"].(map[string]any)
			if cfg["DefaultRootObject"] != "index.html" || cfg["HttpVersion"] != "http2and3" ||
				behavior["ViewerProtocolPolicy"] != "redirect-to-https" || !equalJSON(behavior["AllowedMethods"], []any{"GET", "HEAD"}) {
				t.Errorf("distribution = %v", cfg)
			}
		})
	}
}

// The response headers are console.SecurityHeaders: the CSP exactly
// console.ContentSecurityPolicy with the API's origin (its RestApi id, never
// the stage) and Cognito's regional origin; HSTS; no framing; no referrer.
func TestConsoleHeaders(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			apiID, _ := only(t, tpl, "AWS::ApiGateway::RestApi")
			policyID, policy := only(t, tpl, "AWS::CloudFront::ResponseHeadersPolicy")
			sec := props(policy)["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
			csp := sec["ContentSecurityPolicy"].(map[string]any)
			want := console.ContentSecurityPolicy("https://${"+apiID+"}.execute-api.${AWS::Region}.${AWS::URLSuffix}",
				console.CognitoOrigin("${AWS::Region}", "${AWS::URLSuffix}"))
			if got := render(t, csp["ContentSecurityPolicy"]); got != want || csp["Override"] != true {
				t.Errorf("CSP:\n got %s\nwant %s", got, want)
			}
			if !strings.Contains(want, "frame-ancestors 'none'") {
				t.Errorf("the CSP allows framing: %s", want)
			}
			if !equalJSON(sec["StrictTransportSecurity"], map[string]any{
				"AccessControlMaxAgeSec": console.HSTSMaxAgeSeconds, "IncludeSubdomains": true, "Override": true,
			}) {
				t.Errorf("HSTS = %v", sec["StrictTransportSecurity"])
			}
			if !equalJSON(sec["FrameOptions"], map[string]any{"FrameOption": "DENY", "Override": true}) ||
				!equalJSON(sec["ReferrerPolicy"], map[string]any{"Override": true, "ReferrerPolicy": "no-referrer"}) ||
				!equalJSON(sec["ContentTypeOptions"], map[string]any{"Override": true}) {
				t.Errorf("security headers = %v", sec)
			}
			_, dist := only(t, tpl, "AWS::CloudFront::Distribution")
			behavior := props(dist)["DistributionConfig"].(map[string]any)["DefaultCacheBehavior"].(map[string]any)
			if !equalJSON(behavior["ResponseHeadersPolicyId"], map[string]any{"Ref": policyID}) {
				t.Errorf("the distribution does not use the headers policy: %v", behavior)
			}
		})
	}
}

// securityHeaders maps every header console.SecurityHeaders may hold, and
// refuses a value CloudFront would send differently.
func TestSecurityHeadersMapping(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		err     string // a part of the error; "" for none
		check   func(t *testing.T, sec string, custom string)
	}{
		{"console's own", console.SecurityHeaders("default-src 'none'"), "", func(t *testing.T, sec, custom string) {
			for _, want := range []string{`"contentSecurityPolicy":"default-src 'none'"`, `"frameOption":"DENY"`, `"referrerPolicy":"NO_REFERRER"`, `"contentTypeOptions":{"override":true}`} {
				if !strings.Contains(sec, want) {
					t.Errorf("%s missing from %s", want, sec)
				}
			}
			if custom != "null" {
				t.Errorf("custom headers = %s, want none", custom)
			}
		}},
		{"HSTS with preload", map[string]string{"Strict-Transport-Security": "max-age=60; includeSubDomains; preload"}, "", func(t *testing.T, sec, _ string) {
			if !strings.Contains(sec, `"includeSubdomains":true`) || !strings.Contains(sec, `"preload":true`) {
				t.Errorf("HSTS = %s", sec)
			}
		}},
		{"other header is custom", map[string]string{"Permissions-Policy": "camera=()"}, "", func(t *testing.T, _, custom string) {
			if !strings.Contains(custom, `"header":"Permissions-Policy"`) || !strings.Contains(custom, `"value":"camera=()"`) {
				t.Errorf("custom = %s", custom)
			}
		}},
		{"frame option", map[string]string{"X-Frame-Options": "ALLOW-FROM https://x"}, "X-Frame-Options", nil},
		{"referrer", map[string]string{"Referrer-Policy": "same-site"}, "Referrer-Policy", nil},
		{"nosniff only", map[string]string{"X-Content-Type-Options": "sniff"}, "X-Content-Type-Options", nil},
		{"HSTS without max-age", map[string]string{"Strict-Transport-Security": "includeSubDomains"}, "no max-age", nil},
		{"HSTS bad directive", map[string]string{"Strict-Transport-Security": "max-age=1; always"}, "unknown directive", nil},
		{"XSS protection", map[string]string{"X-XSS-Protection": "0"}, "X-XSS-Protection", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, custom, err := securityHeaders(tc.headers)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, mustJSONTest(sec), mustJSONTest(custom))
		})
	}
}

// config.json, as deployed: console.RuntimeConfig from the stack's values,
// with the admin client and the environment's password policy.
func TestConsoleRuntimeConfig(t *testing.T) {
	for _, env := range []string{"dev", "prd"} {
		t.Run(env, func(t *testing.T) {
			c, _ := Environment(env)
			if env == "prd" {
				c.Password = settings.PasswordPolicy{MinLength: 16, RequireLowercase: true, RequireDigits: true}
			}
			app, dir := testApp(t)
			stack, err := NewUserAdminStack(app, &UserAdminStackProps{Config: c, ModuleDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			tpl := assertions.Template_FromStack(stack, nil)
			apiID, _ := only(t, tpl, "AWS::ApiGateway::RestApi")
			stageID, _ := only(t, tpl, "AWS::ApiGateway::Stage")
			got := deployedFile(t, tpl, *app.Outdir(), "config.json")
			var cfg console.RuntimeConfig
			if err := json.Unmarshal([]byte(got), &cfg); err != nil {
				t.Fatalf("config.json %s: %v", got, err)
			}
			want := console.RuntimeConfig{
				Environment: env,
				Region:      "${AWS::Region}",
				APIURL:      "https://${" + apiID + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${" + stageID + "}/",
				UserPoolID:  "${UserPool}",
				ClientID:    "${AdminClient}",
				PasswordPolicy: console.PasswordPolicy{
					MinLength: c.Password.MinLength, RequireLowercase: c.Password.RequireLowercase, RequireUppercase: c.Password.RequireUppercase,
					RequireDigits: c.Password.RequireDigits, RequireSymbols: c.Password.RequireSymbols,
				},
				CustomAttributes: c.CustomAttributes,
			}
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("config.json:\n got %+v\nwant %+v", cfg, want)
			}
		})
	}
}

// deployedFile is the content of name as the stack's BucketDeployment
// writes it: the staged source holding it, with CDK's deploy-time markers
// replaced by their template values (rendered).
func deployedFile(t *testing.T, tpl assertions.Template, outdir, name string) string {
	t.Helper()
	_, dep := only(t, tpl, "Custom::CDKBucketDeployment")
	p := props(dep)
	for i, key := range p["SourceObjectKeys"].([]any) {
		b, err := os.ReadFile(filepath.Join(outdir, "asset."+strings.TrimSuffix(key.(string), ".zip"), name))
		if err != nil {
			continue
		}
		s := string(b)
		for marker, v := range p["SourceMarkers"].([]any)[i].(map[string]any) {
			s = strings.ReplaceAll(s, marker, render(t, v))
		}
		return s
	}
	t.Fatalf("no source of the deployment holds %s", name)
	return ""
}

// The console's files: the build's (console.Files) beside config.json, all
// revalidated on every request so none is stale after a deploy.
func TestConsoleFiles(t *testing.T) {
	c, _ := Environment("dev")
	app, dir := testApp(t)
	stack, err := NewUserAdminStack(app, &UserAdminStackProps{Config: c, ModuleDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	tpl := assertions.Template_FromStack(stack, nil)
	for _, f := range console.Files {
		if deployedFile(t, tpl, *app.Outdir(), f) == "" {
			t.Errorf("%s is empty", f)
		}
	}
	_, dep := only(t, tpl, "Custom::CDKBucketDeployment")
	p := props(dep)
	if !equalJSON(p["SystemMetadata"], map[string]any{"cache-control": "no-cache"}) || p["Prune"] != true {
		t.Errorf("deployment = %v", p)
	}
	_, cache := only(t, tpl, "AWS::CloudFront::CachePolicy")
	if got := props(cache)["CachePolicyConfig"].(map[string]any)["MinTTL"]; got != float64(0) {
		t.Errorf("cache policy MinTTL = %v: CloudFront would keep a no-cache file that long", got)
	}
}

// The console's origin is the first the API answers browsers from: in the
// Lambda's settings, the gateway responses (one static origin each: the
// first), the preflight, the WAF's block response; then Config.CORSOrigins.
func TestConsoleOriginFirst(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			c, _ := Environment(env)
			tpl := envTemplate(t, env)
			origin := consoleOriginIn(t, tpl)
			want := append([]string{origin}, c.CORSOrigins...)

			_, fn := adminFunction(t, tpl)
			vars := props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
			if got := render(t, vars[settings.EnvAllowedOrigins]); got != strings.Join(want, ",") {
				t.Errorf("%s = %s, want %s", settings.EnvAllowedOrigins, got, strings.Join(want, ","))
			}

			responses := resources(tpl, "AWS::ApiGateway::GatewayResponse")
			if len(responses) == 0 {
				t.Fatal("no gateway responses")
			}
			for id, r := range responses {
				params, _ := props(r)["ResponseParameters"].(map[string]any)
				if got := render(t, params["gatewayresponse.header.Access-Control-Allow-Origin"]); got != "'"+origin+"'" {
					t.Errorf("gateway response %s answers %s, want the console's origin", id, got)
				}
			}

			preflights := 0
			for id, m := range resources(tpl, "AWS::ApiGateway::Method") {
				p := props(m)
				if p["HttpMethod"] != "OPTIONS" {
					continue
				}
				preflights++
				if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
					t.Errorf("preflight %s has an authorizer: %v %v", id, p["AuthorizationType"], p["AuthorizerId"])
				}
				resp := p["Integration"].(map[string]any)["IntegrationResponses"].([]any)[0].(map[string]any)
				if got := render(t, resp["ResponseParameters"].(map[string]any)["method.response.header.Access-Control-Allow-Origin"]); got != "'"+origin+"'" {
					t.Errorf("preflight %s answers %s first", id, got)
				}
				// The other origins, answered by the response template.
				tmpls, _ := resp["ResponseTemplates"].(map[string]any)
				for _, o := range c.CORSOrigins {
					if tmpls == nil || !strings.Contains(render(t, tmpls["application/json"]), `"`+o+`"`) {
						t.Errorf("preflight %s does not answer %s", id, o)
					}
				}
			}
			if preflights == 0 {
				t.Error("no preflight methods")
			}
		})
	}
}

// Without a console, the API's CORS is CORSOrigins alone, and nothing of
// the console is made.
func TestConsoleDisabled(t *testing.T) {
	c, _ := Environment("dev")
	c.Console.Disabled = true
	tpl := synth(t, c)
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::CloudFront::Distribution", "AWS::CloudFront::ResponseHeadersPolicy", "Custom::CDKBucketDeployment"} {
		tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0))
	}
	_, fn := adminFunction(t, tpl)
	vars := props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got := vars[settings.EnvAllowedOrigins]; got != strings.Join(c.CORSOrigins, ",") {
		t.Errorf("%s = %v, want CORSOrigins", settings.EnvAllowedOrigins, got)
	}
	if outs := *tpl.FindOutputs(jsii.String("ConsoleUrl"), nil); len(outs) != 0 {
		t.Errorf("ConsoleUrl without a console: %v", outs)
	}
}

// ConsoleUrl is the distribution's https:// address, or the custom domain's.
func TestConsoleUrlOutput(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		tpl := envTemplate(t, env)
		out := (*tpl.FindOutputs(jsii.String("ConsoleUrl"), nil))["ConsoleUrl"]
		if out == nil {
			t.Fatalf("%s: no ConsoleUrl output", env)
		}
		if got := render(t, (*out)["Value"]); got != consoleOriginIn(t, tpl) {
			t.Errorf("%s: ConsoleUrl = %s", env, got)
		}
	}
}

// A custom domain: the distribution answers it with the us-east-1
// certificate and TLS 1.2 at least, the API's CORS and ConsoleUrl name it,
// and DNS is told where to point.
func TestConsoleCustomDomain(t *testing.T) {
	c, _ := Environment("stg")
	c.Console = ConsoleConfig{DomainName: "Admin.Example.org", CertificateArn: testCertificateArn}
	c.CORSOrigins = []string{"https://app.example.org"}
	tpl := synth(t, c)
	distID, dist := only(t, tpl, "AWS::CloudFront::Distribution")
	cfg := props(dist)["DistributionConfig"].(map[string]any)
	if !equalJSON(cfg["Aliases"], []any{"admin.example.org"}) || !equalJSON(cfg["ViewerCertificate"], map[string]any{
		"AcmCertificateArn": testCertificateArn, "MinimumProtocolVersion": "TLSv1.2_2021", "SslSupportMethod": "sni-only",
	}) {
		t.Errorf("aliases %v, certificate %v", cfg["Aliases"], cfg["ViewerCertificate"])
	}
	const origin = "https://admin.example.org"
	tpl.HasOutput(jsii.String("ConsoleUrl"), map[string]any{"Value": origin})
	tpl.HasOutput(jsii.String("ConsoleDistributionDomainName"), map[string]any{"Value": map[string]any{"Fn::GetAtt": []any{distID, "DomainName"}}})
	_, fn := adminFunction(t, tpl)
	vars := props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got := vars[settings.EnvAllowedOrigins]; got != origin+",https://app.example.org" {
		t.Errorf("%s = %v", settings.EnvAllowedOrigins, got)
	}
	for id, r := range resources(tpl, "AWS::ApiGateway::GatewayResponse") {
		if got := props(r)["ResponseParameters"].(map[string]any)["gatewayresponse.header.Access-Control-Allow-Origin"]; got != "'"+origin+"'" {
			t.Errorf("gateway response %s answers %v", id, got)
		}
	}
}

// TestNoDependencyCycle: the console's origin is in the API's CORS and the
// API's origin in the console's CSP; CloudFormation must still find an
// order (cfn-lint's E3004 checks the synthesized templates too).
func TestNoDependencyCycle(t *testing.T) {
	custom, _ := Environment("prd")
	custom.Console = ConsoleConfig{DomainName: "admin.example.org", CertificateArn: testCertificateArn}
	for name, tpl := range map[string]func() assertions.Template{
		"dev":           func() assertions.Template { return envTemplate(t, "dev") },
		"stg":           func() assertions.Template { return envTemplate(t, "stg") },
		"prd":           func() assertions.Template { return envTemplate(t, "prd") },
		"custom domain": func() assertions.Template { return synth(t, custom) },
	} {
		t.Run(name, func(t *testing.T) {
			if cycle := dependencyCycle(*tpl().ToJSON()); cycle != nil {
				t.Errorf("dependency cycle: %s", strings.Join(cycle, " -> "))
			}
		})
	}
}

// dependencyCycle returns a cycle among the template's resources (through
// Ref, Fn::GetAtt, Fn::Sub and DependsOn), or nil.
func dependencyCycle(template map[string]any) []string {
	res := template["Resources"].(map[string]any)
	deps := map[string][]string{}
	for id, r := range res {
		seen := map[string]bool{}
		add := func(d string) {
			if _, ok := res[d]; ok && !seen[d] {
				seen[d] = true
				deps[id] = append(deps[id], d)
			}
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if ref, ok := v["Ref"].(string); ok {
					add(ref)
				}
				if ga, ok := v["Fn::GetAtt"].([]any); ok {
					add(fmt.Sprint(ga[0]))
				}
				if sub, ok := v["Fn::Sub"].(string); ok {
					for _, part := range strings.Split(sub, "${")[1:] {
						name, _, _ := strings.Cut(part, "}")
						name, _, _ = strings.Cut(name, ".")
						add(name)
					}
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		r := r.(map[string]any)
		walk(r["Properties"])
		for _, d := range toStrings(r["DependsOn"]) {
			add(d)
		}
		slices.Sort(deps[id])
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(id string) []string
	visit = func(id string) []string {
		switch state[id] {
		case visiting:
			i := slices.Index(stack, id)
			return append(slices.Clone(stack[i:]), id)
		case done:
			return nil
		}
		state[id] = visiting
		stack = append(stack, id)
		for _, d := range deps[id] {
			if c := visit(d); c != nil {
				return c
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
		return nil
	}
	for _, id := range keys(res) {
		if c := visit(id); c != nil {
			return c
		}
	}
	return nil
}

// The detector itself: a loop through Ref, GetAtt and DependsOn is found.
func TestDependencyCycleDetector(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  string
		want bool
	}{
		{"chain", `{"A":{"Properties":{"X":{"Ref":"B"}}},"B":{"Properties":{"Y":{"Fn::GetAtt":["C","Arn"]}}},"C":{}}`, false},
		{"loop", `{"A":{"Properties":{"X":{"Ref":"B"}}},"B":{"Properties":{"Y":{"Fn::Join":["",[{"Fn::GetAtt":["C","Arn"]}]]}}},"C":{"DependsOn":"A"}}`, true},
		{"sub", `{"A":{"Properties":{"X":{"Fn::Sub":"${B.Arn}"}}},"B":{"Properties":{"Y":{"Ref":"A"}}}}`, true},
		{"pseudo parameters", `{"A":{"Properties":{"X":{"Ref":"AWS::Region"}}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var res map[string]any
			if err := json.Unmarshal([]byte(tc.res), &res); err != nil {
				t.Fatal(err)
			}
			if got := dependencyCycle(map[string]any{"Resources": res}) != nil; got != tc.want {
				t.Errorf("cycle found: %v, want %v", got, tc.want)
			}
		})
	}
}

// Console's validation names the field and says what to do.
func TestValidateConsole(t *testing.T) {
	for _, tc := range []struct {
		name    string
		console ConsoleConfig
		cors    []string
		want    string // a part of the error; "" for valid
	}{
		{"default", ConsoleConfig{}, nil, ""},
		{"custom domain", ConsoleConfig{DomainName: "admin.example.org", CertificateArn: testCertificateArn}, nil, ""},
		{"disabled", ConsoleConfig{Disabled: true}, nil, ""},
		{"domain without certificate", ConsoleConfig{DomainName: "admin.example.org"}, nil, "Console.CertificateArn: needed with Console.DomainName"},
		{"certificate without domain", ConsoleConfig{CertificateArn: testCertificateArn}, nil, "Console.DomainName: needed with Console.CertificateArn"},
		{"bad domain", ConsoleConfig{DomainName: "https://admin.example.org", CertificateArn: testCertificateArn}, nil, "Console.DomainName: \"https://admin.example.org\" is not a domain name"},
		{"not a certificate", ConsoleConfig{DomainName: "admin.example.org", CertificateArn: "arn:aws:iam::123456789012:role/x"}, nil, "Console.CertificateArn: \"arn:aws:iam::123456789012:role/x\" is not an ACM certificate ARN"},
		{"certificate outside us-east-1", ConsoleConfig{DomainName: "admin.example.org", CertificateArn: strings.Replace(testCertificateArn, "us-east-1", "eu-west-1", 1)}, nil,
			"Console.CertificateArn: the certificate is in eu-west-1: CloudFront uses ACM certificates from us-east-1 only"},
		{"domain while disabled", ConsoleConfig{Disabled: true, DomainName: "admin.example.org", CertificateArn: testCertificateArn}, nil, "Console: DomainName and CertificateArn are set but the console is Disabled"},
		{"console origin in CORSOrigins", ConsoleConfig{DomainName: "admin.example.org", CertificateArn: testCertificateArn}, []string{"https://admin.example.org"},
			"CORSOrigins: \"https://admin.example.org\" is the console's own origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := Environment("stg")
			c.Console, c.CORSOrigins = tc.console, tc.cors
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "config stg: "+tc.want)):
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
