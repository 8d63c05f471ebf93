package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/useradmin/cognito-user-admin/local"
)

// maxEndToEndRatio is the target for POST /users through the product (live
// caller check included) against the bare AdminCreateUser it makes.
const maxEndToEndRatio = 2.0

const (
	warmupCalls   = 10
	benchAdmin    = "bench.admin@example.com"
	benchPassword = "Bench-Passw0rd-2024!"
)

// endToEnd starts local mode on the synthesized dev template (the emulator,
// the pool built from it, the gateway in front of the handler) and times
// POST /users through the gateway against the same AdminCreateUser straight
// to the emulator. Calls alternate, so a pool that slows as it fills slows
// both alike; every email is new; every address is loopback.
func endToEnd(ctx context.Context, r *report, assembly string, n int) error {
	env, err := local.Start(ctx, filepath.Join(assembly, "UserAdmin-dev.template.json"), io.Discard)
	if err != nil {
		return err
	}
	defer env.Close()
	if err := env.SeedUser(ctx, benchAdmin, benchPassword, env.Settings.AdminGroups[0]); err != nil {
		return err
	}
	token, err := env.AdminIDToken(ctx, benchAdmin, benchPassword)
	if err != nil {
		return err
	}
	gw := httptest.NewServer(env.Gateway) // 127.0.0.1, like `make dev`
	defer gw.Close()
	client := &http.Client{Timeout: 10 * time.Second}

	viaGateway := func(i int) error {
		body := fmt.Sprintf(`{"email":"e2e.gateway.%04d@example.com","sendInvitation":false}`, i)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw.URL+"/users", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST /users: %d %s", resp.StatusCode, b)
		}
		return nil
	}
	// The same request the handler makes for that body.
	direct := func(i int) error {
		email := fmt.Sprintf("e2e.direct.%04d@example.com", i)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := env.Cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId:             &env.Pool.ID,
			Username:               &email,
			DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
			MessageAction:          types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{
				{Name: aws.String("email"), Value: &email},
				{Name: aws.String("email_verified"), Value: aws.String("true")},
			},
		})
		return err
	}

	// The gateway throttles like the dev stage: keep under its rate, as a
	// client of the deployed API must. Latency is measured here, not the throttle.
	pace := rate.NewLimiter(rate.Inf, 1)
	if th := env.Gateway.Throttle(); th != nil {
		pace = rate.NewLimiter(rate.Limit(th.Rate), 1)
	}
	// The handler's live caller check on its own: the admin's account and
	// groups, read concurrently, as every request does before its work.
	admin, err := env.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(benchAdmin)})
	if err != nil {
		return err
	}
	callerCheck := func(int) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var g errgroup.Group
		g.Go(func() error {
			_, err := env.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: admin.Username})
			return err
		})
		g.Go(func() error {
			_, err := env.Cognito.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &env.Pool.ID, Username: admin.Username, Limit: aws.Int32(60)})
			return err
		})
		return g.Wait()
	}
	// The same two reads one after the other: beside the concurrent pair, it
	// shows whether the emulator overlaps concurrent requests at all.
	callerCheckSerial := func(int) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := env.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: admin.Username}); err != nil {
			return err
		}
		_, err := env.Cognito.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &env.Pool.ID, Username: admin.Username, Limit: aws.Int32(60)})
		return err
	}

	putRecord := auditWrite(ctx, env)
	var gwTimes, directTimes, checkTimes, serialTimes, auditTimes []time.Duration
	for i := range warmupCalls + n {
		for _, c := range []struct {
			call  func(int) error
			times *[]time.Duration
		}{{viaGateway, &gwTimes}, {direct, &directTimes}, {callerCheck, &checkTimes}, {callerCheckSerial, &serialTimes}, {putRecord, &auditTimes}} {
			if c.times == &gwTimes {
				if err := pace.Wait(ctx); err != nil {
					return err
				}
			}
			start := time.Now()
			if err := c.call(i); err != nil {
				return err
			}
			if i >= warmupCalls {
				*c.times = append(*c.times, time.Since(start))
			}
		}
	}
	g50, d50 := median(gwTimes), median(directTimes)
	r.add("end to end, POST /users via local gateway → handler → emulator",
		fmt.Sprintf("p50 %s, p99 %s (%d calls)", ms(g50), ms(quantile(gwTimes, 0.99)), n), "", "")
	r.add("end to end, direct SDK AdminCreateUser → emulator",
		fmt.Sprintf("p50 %s, p99 %s (%d calls)", ms(d50), ms(quantile(directTimes, 0.99)), n), "", "")
	r.add("end to end, caller check alone: AdminGetUser ∥ AdminListGroupsForUser → emulator",
		fmt.Sprintf("p50 %s, p99 %s (%d calls)", ms(median(checkTimes)), ms(quantile(checkTimes, 0.99)), n), "", "")
	r.add("end to end, the same two reads one after the other → emulator",
		fmt.Sprintf("p50 %s, p99 %s (%d calls)", ms(median(serialTimes)), ms(quantile(serialTimes, 0.99)), n), "", "")
	reportAuditWrite(r, auditTimes, directTimes)
	ratio := float64(g50) / float64(d50)
	r.add("end to end ratio, gateway / direct (p50)",
		fmt.Sprintf("%.2f× (product's share %.0f%%)", ratio, 100*float64(g50-d50)/float64(g50)),
		fmt.Sprintf("p50 ≤ %.1f×", maxEndToEndRatio), met(ratio <= maxEndToEndRatio))
	r.note("end to end: the product's share is an upper bound for the Lambda's: the gateway path also holds local mode's " +
		"ID-token check and request validation (API Gateway's work in AWS) and one more loopback HTTP hop; " +
		"the Lambda's own share includes the live caller check (the account and its groups read concurrently on every request)")
	r.note("end to end: moto_server works one request at a time (one Python process under its interpreter lock), so the caller check's two concurrent reads " +
		"cost two emulator round trips here (compare the concurrent and the one-after-the-other rows), and a read costs it about what a create does; " +
		"against Cognito the two reads overlap, so the check costs one read round trip")
	return nil
}
