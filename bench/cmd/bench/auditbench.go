package main

import (
	"context"
	"fmt"
	"time"

	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"github.com/useradmin/cognito-user-admin/local"
)

// auditWrite is the audit record's PutItem a create adds, on its own: the
// record of a create (with its after state) put in local mode's table by
// the Store the Lambda uses.
func auditWrite(ctx context.Context, env *local.Env) func(int) error {
	store := audit.NewStore(env.Audit.DynamoDB, env.Settings.AuditTable, env.Settings.AuditRetentionDays)
	on, off := true, false
	return func(i int) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		now := time.Now()
		return store.Put(ctx, audit.Record{
			ID: audit.NewID(now, fmt.Sprintf("bench-%d", i)), Time: now, RequestID: fmt.Sprintf("bench-%d", i),
			Actor: audit.Actor{Sub: "bench", Email: benchAdmin}, Action: "create", Target: fmt.Sprintf("e2e.audit.%04d@example.com", i),
			Outcome: audit.OutcomeSuccess, Status: 201,
			After: &audit.State{Status: "FORCE_CHANGE_PASSWORD", Enabled: &on, MFAEnabled: &off, Groups: []string{"admins"}},
		})
	}
}

// maxAuditShare is the target for the audit write: less than one Cognito round trip (a create's) at p50.
const maxAuditShare = 1.0

func reportAuditWrite(r *report, auditTimes, directTimes []time.Duration) {
	a50, d50 := median(auditTimes), median(directTimes)
	r.add("end to end, audit record PutItem → emulator (what the audit trail adds to a create)",
		fmt.Sprintf("p50 %s, p99 %s (%d calls)", ms(a50), ms(quantile(auditTimes, 0.99)), len(auditTimes)), "", "")
	ratio := float64(a50) / float64(d50)
	r.add("audit write / one Cognito round trip (AdminCreateUser, p50)", fmt.Sprintf("%.2f×", ratio),
		fmt.Sprintf("p50 < %.1f×", maxAuditShare), met(ratio < maxAuditShare))
	r.note("audit: the POST /users row includes the audit write (the handler puts the record before answering); " +
		"the user event is published from the table's stream (local mode: a poller standing in for EventBridge Pipes), outside the request")
}
