package local

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Throttle is a method's throttling as API Gateway applies it: a token
// bucket refilled at Rate tokens a second and holding at most Burst; each
// request takes a token or is answered 429.
type Throttle struct {
	Rate  float64
	Burst int
}

// stageThrottles reads the throttling of the template's API stage
// (AWS::ApiGateway::Stage MethodSettings): the default for every method
// (ResourcePath "/*", HttpMethod "*"), then any setting of one method,
// which overrides it. It returns the default (nil when the stage sets none:
// only the account's limits apply, which local mode does not model) and the
// overrides by "METHOD /path". As in API Gateway, the limits apply to each
// method separately: every method of the stage has a bucket of its own.
func stageThrottles(t *Template) (*Throttle, map[string]Throttle, error) {
	stages := t.OfType("AWS::ApiGateway::Stage")
	if len(stages) == 0 {
		return nil, nil, nil
	}
	if len(stages) > 1 {
		return nil, nil, fmt.Errorf("template: want one API stage, found %d", len(stages))
	}
	settings, _ := t.Resources[stages[0]].Properties["MethodSettings"].([]any)
	var def *Throttle
	perMethod := map[string]Throttle{}
	// The stage-wide setting first, so a method's own setting is applied over it.
	for _, all := range []bool{true, false} {
		for _, s := range settings {
			m, _ := s.(map[string]any)
			path, _ := m["ResourcePath"].(string)
			method, _ := m["HttpMethod"].(string)
			if (path == "/*" && method == "*") != all {
				continue
			}
			base := Throttle{}
			if def != nil {
				base = *def
			}
			th, set, err := throttleOf(m, base)
			if err != nil {
				return nil, nil, fmt.Errorf("%s MethodSettings %s %s: %w", stages[0], method, path, err)
			}
			if !set {
				continue
			}
			if all {
				def = &th
				continue
			}
			perMethod[method+" "+decodeResourcePath(path)] = th
		}
	}
	return def, perMethod, nil
}

// throttleOf applies a method setting's throttling fields over base.
func throttleOf(m map[string]any, base Throttle) (Throttle, bool, error) {
	r, hasRate := m["ThrottlingRateLimit"].(float64)
	b, hasBurst := m["ThrottlingBurstLimit"].(float64)
	if !hasRate && !hasBurst {
		return base, false, nil
	}
	if hasRate {
		base.Rate = r
	}
	if hasBurst {
		base.Burst = int(b)
	}
	if base.Rate < 0 || base.Burst < 0 {
		return base, false, fmt.Errorf("negative throttling limits %v/%d", base.Rate, base.Burst)
	}
	return base, true, nil
}

// decodeResourcePath turns CloudFormation's "/~1users~1{email}" into "/users/{email}".
func decodeResourcePath(p string) string {
	if p = strings.ReplaceAll(strings.TrimPrefix(p, "/"), "~1", "/"); p == "" {
		return "/"
	}
	return p
}

// bucket is one method's token bucket.
type bucket struct {
	limiter *rate.Limiter
}

func newBucket(th Throttle) *bucket {
	return &bucket{limiter: rate.NewLimiter(rate.Limit(th.Rate), th.Burst)}
}

// allow takes a token at now, or reports that the request is throttled.
func (b *bucket) allow(now time.Time) bool {
	return b == nil || b.limiter.AllowN(now, 1)
}
