package local

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// DistributionType is the console's CloudFront distribution in the template.
const DistributionType = "AWS::CloudFront::Distribution"

// distributionDomain stands for a distribution's DomainName while a
// Fn::Join is resolved; no template string contains a NUL.
const distributionDomain = "\x00distribution-domain\x00"

const (
	allowOriginParam  = "method.response.header.Access-Control-Allow-Origin"
	allowOriginHeader = "Access-Control-Allow-Origin"
	gatewayHeader     = "gatewayresponse.header."
)

// LocalizeCORS rewrites, in t, the API's CORS origins for a console served
// locally at consoleOrigin (http://127.0.0.1:PORT). The stack names the
// console's origin first wherever the API answers browsers (the Lambda's
// ALLOWED_ORIGINS, the gateway responses' and the preflights'
// Access-Control-Allow-Origin): "https://" joined with the distribution's
// DomainName, or a custom domain. Locally there is no distribution, so the
// local console's origin takes that first place. A template without a
// distribution gets the local origin put first, as the stack would with a
// console. It returns the departures to report.
func LocalizeCORS(t *Template, consoleOrigin string) ([]string, error) {
	dists := t.OfType(DistributionType)
	for id, r := range t.Resources {
		r.Properties, _ = joinDistributionDomain(r.Properties, dists, consoleOrigin).(map[string]any)
		t.Resources[id] = r
	}
	if err := t.originsResolved(); err != nil {
		return nil, err
	}
	fnID, fn, err := t.APIFunction()
	if err != nil {
		return nil, err
	}
	vars, _ := fn.Properties["Environment"].(map[string]any)
	vars, _ = vars["Variables"].(map[string]any)
	var origins []string
	switch v := vars["ALLOWED_ORIGINS"].(type) {
	case nil:
	case string:
		origins = list(v)
	default:
		return nil, fmt.Errorf("%s: ALLOWED_ORIGINS %v: local mode resolves only \"https://\" joined with a CloudFront distribution's DomainName", fnID, v)
	}

	if len(dists) > 0 {
		if len(origins) == 0 {
			return nil, fmt.Errorf("template: %s serves the console but the API allows no origin: its origin must come first in ALLOWED_ORIGINS", dists[0])
		}
		deployed := origins[0]
		if deployed != consoleOrigin {
			// A custom domain: a literal origin, mapped wherever it appears.
			origins[0] = consoleOrigin
			t.eachPreflight(func(first string, others []string) (string, []string) {
				return mapOrigin(first, deployed, consoleOrigin), others
			})
			t.eachGatewayOrigin(func(o string) string { return mapOrigin(o, deployed, consoleOrigin) })
		}
		vars["ALLOWED_ORIGINS"] = strings.Join(origins, ",")
		return []string{fmt.Sprintf("CloudFront distribution %s: not emulated; local mode serves the console at %s, which takes the place of its origin (%s) in the API's CORS",
			dists[0], consoleOrigin, deployedName(deployed, consoleOrigin))}, nil
	}

	// No console in the template: put the local one first, as the stack will.
	notes := []string{fmt.Sprintf("the template serves no console (no %s): local mode serves one at %s and puts its origin first in the API's CORS", DistributionType, consoleOrigin)}
	if vars != nil && !slices.Contains(origins, consoleOrigin) {
		vars["ALLOWED_ORIGINS"] = strings.Join(append([]string{consoleOrigin}, origins...), ",")
	}
	preflights := t.eachPreflight(func(first string, others []string) (string, []string) {
		return consoleOrigin, append([]string{first}, others...)
	})
	t.eachGatewayOrigin(func(string) string { return consoleOrigin })
	if preflights == 0 {
		notes = append(notes, "the API has no CORS preflight (the environment sets no CORSOrigins): a browser cannot call it from the console")
	}
	return notes, nil
}

func deployedName(deployed, local string) string {
	if deployed == local {
		return "https:// and the distribution's domain name"
	}
	return deployed
}

func mapOrigin(o, from, to string) string {
	if o == from {
		return to
	}
	return o
}

// joinDistributionDomain resolves, bottom-up, each Fn::Join in v whose
// parts are literals or a distribution's DomainName, where the domain
// only ever follows "https://": that origin becomes consoleOrigin. Other
// values are returned as they are.
func joinDistributionDomain(v any, dists []string, consoleOrigin string) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = joinDistributionDomain(x, dists, consoleOrigin)
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(v) == 1 {
			if s, ok := resolveJoin(join, dists); ok {
				s = strings.ReplaceAll(s, "https://"+distributionDomain, consoleOrigin)
				if !strings.Contains(s, distributionDomain) {
					return s
				}
			}
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = joinDistributionDomain(x, dists, consoleOrigin)
		}
		return v
	}
	return v
}

// resolveJoin joins literals and distribution DomainNames (as
// distributionDomain); ok is false when a part is anything else.
func resolveJoin(join []any, dists []string) (string, bool) {
	if len(join) != 2 {
		return "", false
	}
	delim, ok := join[0].(string)
	parts, ok2 := join[1].([]any)
	if !ok || !ok2 {
		return "", false
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		switch p := p.(type) {
		case string:
			out[i] = p
		case map[string]any:
			if !isDistributionDomain(p, dists) {
				return "", false
			}
			out[i] = distributionDomain
		default:
			return "", false
		}
	}
	return strings.Join(out, delim), true
}

func isDistributionDomain(m map[string]any, dists []string) bool {
	att, ok := m["Fn::GetAtt"]
	if !ok || len(m) != 1 {
		return false
	}
	var id, name string
	switch a := att.(type) {
	case []any:
		if len(a) == 2 {
			id, _ = a[0].(string)
			name, _ = a[1].(string)
		}
	case string:
		id, name, _ = strings.Cut(a, ".")
	}
	return name == "DomainName" && slices.Contains(dists, id)
}

// eachPreflight calls edit with each CORS preflight's (a MOCK OPTIONS
// method's) first origin and the others its response template answers, and
// writes back what edit returns. It returns how many there are.
func (t *Template) eachPreflight(edit func(first string, others []string) (string, []string)) int {
	n := 0
	for _, id := range t.OfType("AWS::ApiGateway::Method") {
		p := t.Resources[id].Properties
		integ, _ := p["Integration"].(map[string]any)
		if p["HttpMethod"] != "OPTIONS" || integ["Type"] != "MOCK" {
			continue
		}
		resps, _ := integ["IntegrationResponses"].([]any)
		if len(resps) == 0 {
			continue
		}
		first, _ := resps[0].(map[string]any)
		params, _ := first["ResponseParameters"].(map[string]any)
		origin, ok := params[allowOriginParam].(string)
		if !ok {
			continue
		}
		n++
		tpl, _ := first["ResponseTemplates"].(map[string]any)
		body, _ := tpl["application/json"].(string)
		newFirst, others := edit(strings.Trim(origin, "'"), overrideOrigins(body))
		params[allowOriginParam] = "'" + newFirst + "'"
		if len(others) > 0 {
			first["ResponseTemplates"] = map[string]any{"application/json": preflightTemplate(others)}
		}
	}
	return n
}

// originsResolved reports a preflight's or a gateway response's
// Access-Control-Allow-Origin that is still an intrinsic: the gateway
// would otherwise answer browsers with garbage.
func (t *Template) originsResolved() error {
	for _, id := range t.OfType("AWS::ApiGateway::Method") {
		integ, _ := t.Resources[id].Properties["Integration"].(map[string]any)
		resps, _ := integ["IntegrationResponses"].([]any)
		for _, r := range resps {
			params, _ := r.(map[string]any)["ResponseParameters"].(map[string]any)
			if v, ok := params[allowOriginParam]; ok {
				if _, ok := v.(string); !ok {
					return fmt.Errorf("%s: Access-Control-Allow-Origin %v: local mode resolves only \"https://\" joined with a CloudFront distribution's DomainName", id, v)
				}
			}
		}
	}
	for _, id := range t.OfType("AWS::ApiGateway::GatewayResponse") {
		params, _ := t.Resources[id].Properties["ResponseParameters"].(map[string]any)
		for k, v := range params {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%s: %s %v: local mode resolves only \"https://\" joined with a CloudFront distribution's DomainName", id, k, v)
			}
		}
	}
	return nil
}

// eachGatewayOrigin replaces each gateway response's Access-Control-Allow-Origin by edit's.
func (t *Template) eachGatewayOrigin(edit func(string) string) {
	for _, id := range t.OfType("AWS::ApiGateway::GatewayResponse") {
		params, _ := t.Resources[id].Properties["ResponseParameters"].(map[string]any)
		if v, ok := params[gatewayHeader+allowOriginHeader].(string); ok {
			params[gatewayHeader+allowOriginHeader] = "'" + edit(strings.Trim(v, "'")) + "'"
		}
	}
}

var overrideOrigin = regexp.MustCompile(`\$origin == "([^"]*)"`)

// overrideOrigins are the origins a CDK preflight's response template
// answers besides the first (its responseOverride of Access-Control-Allow-Origin).
func overrideOrigins(template string) []string {
	var out []string
	for _, m := range overrideOrigin.FindAllStringSubmatch(template, -1) {
		out = append(out, m[1])
	}
	return out
}

// preflightTemplate is the response template the CDK writes for a
// preflight that answers more than one origin (aws-apigateway's
// addCorsPreflight): the request's Origin when it is one of others.
func preflightTemplate(others []string) string {
	conds := make([]string, len(others))
	for i, o := range others {
		conds[i] = `$origin == "` + o + `"`
	}
	return strings.Join([]string{
		`#set($origin = $input.params().header.get("Origin"))`,
		`#if($origin == "")`,
		`  #set($origin = $input.params().header.get("origin"))`,
		`#end`,
		`#if(` + strings.Join(conds, " || ") + `)`,
		`  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)`,
		`#end`,
	}, "\n")
}

func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
