#!/usr/bin/env bash
# ci-deploy.sh ENV: what deploy.yml runs for one environment, with the deploy
# role's credentials already in the environment. Deploys UserAdmin-ENV with
# the pinned CDK CLI (after the account stack it depends on, which the CLI
# deploys first), once the deploy guard passed, and hands its ApiUrl output
# to the workflow.
set -euo pipefail

[[ $# -eq 1 && -n $1 ]] || { echo "usage: $0 ENV" >&2; exit 2; }
stack=UserAdmin-$1
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1

# Synthesize with the deploy role's account and region, then stop before
# anything is deployed if the change would replace or delete a stateful
# resource: the deploy guard (infra/cmd/deployguard, the snapshot tests'
# guard) compares the deployed templates, read with this role, with the new
# ones. The deploy then takes exactly the checked assembly.
node_modules/.bin/cdk synth --no-notices --no-version-reporting --no-color --quiet "$stack"
go run ./infra/cmd/deployguard "$stack"

# --require-approval never: nobody can answer a prompt here. The approval is
# the pull request's review of its `cdk diff` comment and, for stg and prd,
# the GitHub environment's required reviewers.
node_modules/.bin/cdk deploy --app cdk.out --no-notices --no-version-reporting --no-color --ci \
  --require-approval never --outputs-file cdk-outputs.json "$stack"

url=$(jq -r --arg s "$stack" '.[$s].ApiUrl // empty' cdk-outputs.json)
echo "api-url=$url" >>"${GITHUB_OUTPUT:-/dev/null}"
echo "$stack: ${url:-no ApiUrl output}"
