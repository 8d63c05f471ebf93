package infra

import (
	"fmt"
	"math"
)

// Alarms configures the CloudWatch alarms (alarms.go). Lambda errors,
// Lambda throttles and invitations refused for the email cap alarm at the
// first occurrence: each is a fault someone must fix, never noise.
type Alarms struct {
	// Emails are subscribed to the alarm topic; each address gets a
	// confirmation email from SNS and receives nothing until it confirms.
	Emails []string
	// ServerErrors is how many API 5xx responses in 5 minutes raise the alarm.
	ServerErrors int
	// ClientErrorRatePercent is the share of 4xx responses among all
	// requests in 5 minutes above which the 4xx alarm fires (abuse or a
	// broken client), judged only when at least ClientErrorMinRequests
	// requests came in those 5 minutes, so one typo at night pages nobody.
	ClientErrorRatePercent float64
	ClientErrorMinRequests int
	// LatencyP99Ms: the API's p99 latency above this, in 2 of 3 periods of 5 minutes, raises the alarm.
	LatencyP99Ms int
	// Refusals is how many authorization refusals (403 Forbidden from the
	// Lambda: a signed-in user who is not an admin) in 5 minutes raise the alarm.
	Refusals int
}

// DefaultAlarms are the shipped thresholds: no email subscriptions.
func DefaultAlarms() *Alarms {
	return &Alarms{
		ServerErrors:           5,
		ClientErrorRatePercent: 25,
		ClientErrorMinRequests: 20,
		// Two or three Cognito calls per request take tens of milliseconds; seconds mean Cognito or the Lambda is in trouble.
		LatencyP99Ms: 3000,
		Refusals:     10,
	}
}

// WAF configures the web ACL on the API stage (waf.go).
type WAF struct {
	// RateLimit is how many requests one client IP may make in 5 minutes
	// before WAF blocks it for as long as it stays over.
	RateLimit int
}

// DefaultWAF is the shipped web ACL: 3000 requests per IP in 5 minutes is
// 10 a second sustained, what a bulk import from one machine may use at
// stg's stage throttle; an environment with a higher ThrottleRate raises it
// (Validate refuses a limit below the stage's rate).
func DefaultWAF() *WAF { return &WAF{RateLimit: 3000} }

// validateOperations checks the operations fields, reporting through Validate's bad.
func (c Config) validateOperations(bad func(field, format string, args ...any)) {
	if a := c.Alarms; a != nil {
		for _, e := range a.Emails {
			if !isAddress(e) {
				bad("Alarms.Emails", "%q is not an email address", e)
			}
		}
		if a.ServerErrors < 1 {
			bad("Alarms.ServerErrors", "must be at least 1, got %d", a.ServerErrors)
		}
		if a.ClientErrorRatePercent <= 0 || a.ClientErrorRatePercent >= 100 {
			bad("Alarms.ClientErrorRatePercent", "must be above 0 and below 100, got %v", a.ClientErrorRatePercent)
		}
		if a.ClientErrorMinRequests < 1 {
			bad("Alarms.ClientErrorMinRequests", "must be at least 1, got %d", a.ClientErrorMinRequests)
		}
		// API Gateway gives up on an integration after 29 s: a threshold above that never fires.
		if a.LatencyP99Ms < 1 || a.LatencyP99Ms >= 29000 {
			bad("Alarms.LatencyP99Ms", "must be between 1 and 28999, got %d", a.LatencyP99Ms)
		}
		if a.Refusals < 1 {
			bad("Alarms.Refusals", "must be at least 1, got %d", a.Refusals)
		}
	}
	if w := c.WAF; w != nil {
		// AWS WAF's limits for a rate-based rule.
		if w.RateLimit < 10 || w.RateLimit > 2_000_000_000 {
			bad("WAF.RateLimit", "must be between 10 and 2000000000 requests per 5 minutes, got %d", w.RateLimit)
		}
		// One client (a bulk import paces itself up to the stage's throttle)
		// must not be blocked at a rate the stage admits.
		if need := int(math.Ceil(c.ThrottleRate * 300)); w.RateLimit < need {
			bad("WAF.RateLimit", "%d per 5 minutes is below the stage's ThrottleRate %v/s over 5 minutes (%d): one client, such as a bulk import, would be blocked at a rate the stage admits", w.RateLimit, c.ThrottleRate, need)
		}
	}
}

// metricsNamespace is where the audit lines' metric filters publish.
func (c Config) metricsNamespace() string { return fmt.Sprintf("UserAdmin/%s", c.Name) }
