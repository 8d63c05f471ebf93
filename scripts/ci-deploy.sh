#!/usr/bin/env bash
# ci-deploy.sh ENV: what deploy.yml runs for one environment, with the deploy
# role's credentials already in the environment. Deploys UserAdmin-ENV with
# the pinned CDK CLI (after the account stack it depends on, which the CLI
# deploys first) and hands its ApiUrl output to the workflow.
set -euo pipefail

[[ $# -eq 1 && -n $1 ]] || { echo "usage: $0 ENV" >&2; exit 2; }
stack=UserAdmin-$1
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1

# --require-approval never: nobody can answer a prompt here. The approval is
# the pull request's review of its `cdk diff` comment and, for stg and prd,
# the GitHub environment's required reviewers.
node_modules/.bin/cdk deploy --no-notices --no-version-reporting --no-color --ci \
  --require-approval never --outputs-file cdk-outputs.json "$stack"

url=$(jq -r --arg s "$stack" '.[$s].ApiUrl // empty' cdk-outputs.json)
echo "api-url=$url" >>"${GITHUB_OUTPUT:-/dev/null}"
echo "$stack: ${url:-no ApiUrl output}"
