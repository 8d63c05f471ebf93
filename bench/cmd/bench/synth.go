package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/useradmin/cognito-user-admin/infra"
)

// synthTime builds the product's CDK app and the minimal one (bench/emptyapp),
// runs each once to warm the caches (jsii's, Go's build cache for the
// Lambda bundling), then times n runs of each. It returns the warm-up run's
// assembly directory, whose dev template the end-to-end part runs on.
func synthTime(ctx context.Context, r *report, root, tmp string, n int) (string, error) {
	apps := []struct{ name, pkg string }{
		{"useradmin", "./infra/cmd/app"},
		{"emptyapp", "./bench/emptyapp"},
	}
	var medians, cpus [2]time.Duration
	for i, app := range apps {
		bin := filepath.Join(tmp, app.name)
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, app.pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building %s: %v\n%s", app.pkg, err, out)
		}
		var walls, cpu []time.Duration
		for run := range n + 1 {
			wall, c, err := synth(ctx, root, bin, filepath.Join(tmp, fmt.Sprintf("%s.out.%d", app.name, run)))
			if err != nil {
				return "", err
			}
			if run > 0 {
				walls, cpu = append(walls, wall), append(cpu, c)
			}
		}
		medians[i], cpus[i] = median(walls), median(cpu)
	}
	r.add("synth, all environments (dev, stg, prd; Lambda bundled)",
		fmt.Sprintf("median %s, CPU %s (%d warm runs)", seconds(medians[0]), seconds(cpus[0]), n), "", "")
	r.add("synth, minimal CDK Go app (one stack, one placeholder resource)",
		fmt.Sprintf("median %s, CPU %s (%d warm runs)", seconds(medians[1]), seconds(cpus[1]), n), "", "")
	r.add("synth ratio, product / minimal app", fmt.Sprintf("%.2f×", float64(medians[0])/float64(medians[1])), "", "")
	return filepath.Join(tmp, "useradmin.out.0"), nil
}

// synth runs a CDK app binary as the CDK CLI does (infra.SynthEnv), offline, and returns its
// wall time and the CPU time of it and its children (Node, the Go build of
// the Lambda): the latter barely moves when other work shares the machine.
func synth(ctx context.Context, root, bin, outdir string) (wall, cpu time.Duration, err error) {
	env, err := infra.SynthEnv(root, outdir)
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = root
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s", filepath.Base(bin), err, out)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
