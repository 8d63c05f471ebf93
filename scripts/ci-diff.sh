#!/usr/bin/env bash
# ci-diff.sh ENV DIR: what pr.yml runs for one environment, with that
# environment's diff role in the environment (AWS_* from
# configure-aws-credentials) and the cloud assembly already in cdk.out
# (synthesized offline for the diff role's account and region, as a deploy
# synthesizes them, so only real changes show). Writes `cdk diff` of
# UserAdmin-ENV (and the account stack it depends on) to DIR/ENV.txt and its
# exit status to DIR/ENV.status;
# exits 0 either way, so the comment can say which diff failed.
set -euo pipefail

[[ $# -eq 2 && -n $1 && -n $2 ]] || { echo "usage: $0 ENV DIR" >&2; exit 2; }
env=$1 dir=$2
mkdir -p "$dir"
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1

# What the pinned CDK CLI (2.1148.1) needs to diff with the diff role alone,
# which may call only cloudformation:DescribeStacks and GetTemplate on the
# environment's stacks:
#  - --method template: no diff change set (CreateChangeSet needs the deploy
#    role, which this role cannot assume); the default, auto, would try one;
#  - the CLI then reads the deployed template through CDK's lookup role and,
#    refused it (the role has no sts:AssumeRole), carries on with the current
#    credentials because they are for the stack's own account ("could not be
#    used to assume … but are for the right account. Proceeding anyway"), and
#    calls DescribeStacks and GetTemplate itself. That is why each diff role
#    lives in its environment's account: from another account the CLI stops;
#  - no bootstrap-version check happens without an assumed lookup role, so
#    no ssm:GetParameter is needed; sts:GetCallerIdentity needs no permission;
#  - --app cdk.out: no synth here, so nothing else runs with these credentials.
status=0
node_modules/.bin/cdk diff --app cdk.out --no-notices --no-version-reporting --no-color \
  --method template "UserAdmin-$env" >"$dir/$env.txt" 2>&1 || status=$?
echo "$status" >"$dir/$env.status"
cat "$dir/$env.txt"
