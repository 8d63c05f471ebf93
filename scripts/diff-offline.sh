#!/usr/bin/env bash
# diff-offline.sh ENV BASE: `cdk diff` of UserAdmin-ENV as the working tree
# (uncommitted changes included) would deploy it, against the same stack as
# git ref BASE synthesizes it. Both sides are synthesized locally, each with
# its own cdk.json context, so no AWS account, credentials or network is
# involved: review a change before anything is deployed. `make diff ENV=…
# BASE=…` calls this.
set -euo pipefail

usage() { echo "usage: $0 ENV BASE   (e.g. $0 dev HEAD~1, $0 prd origin/main)" >&2; exit 2; }
[[ $# -eq 2 && -n $1 && -n $2 ]] || usage
env=$1 base=$2
stack=UserAdmin-$env

root=$(git rev-parse --show-toplevel)
cd "$root"
base_sha=$(git rev-parse --verify --quiet "$base^{commit}") || { echo "$base is not a commit in this repository" >&2; exit 2; }
cdk=$root/node_modules/.bin/cdk
if [[ ! -x $cdk ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# Nothing may reach AWS: no credentials, profiles or default account from
# the caller's shell, no instance metadata, no CLI version check or notices.
while IFS= read -r v; do
  case $v in AWS_* | CDK_DEFAULT_*) unset "$v" ;; esac
done < <(compgen -e)
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=1

tmp=$(mktemp -d)
worktree=$tmp/base
cleanup() {
  git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true
  git -C "$root" worktree prune
  rm -rf "$tmp"
}
trap cleanup EXIT
# A signal must end the script through exit, so the EXIT trap still removes the worktree.
trap 'exit 130' INT
trap 'exit 143' TERM

# synth DIR OUT: run DIR's CDK app as the CDK CLI does, with DIR's own
# cdk.json context (and cdk.context.json, if any) in CDK_CONTEXT_JSON and the
# cloud assembly written to OUT.
synth() {
  local dir=$1 out=$2 app ctx
  app=$(jq -er '.app' "$dir/cdk.json")
  ctx=$(jq -c -s '(.[0].context // {}) + (.[1] // {})' "$dir/cdk.json" \
    "$( [[ -f $dir/cdk.context.json ]] && echo "$dir/cdk.context.json" || echo /dev/null)")
  echo "synthesizing $(git -C "$dir" rev-parse --short HEAD)$( [[ $dir == "$root" ]] && echo ' + working tree') ..." >&2
  (cd "$dir" && CDK_OUTDIR=$out CDK_CONTEXT_JSON=$ctx bash -c "$app") >"$tmp/synth.log" 2>&1 || {
    cat "$tmp/synth.log" >&2
    echo "synthesizing $dir failed" >&2
    exit 1
  }
}

git worktree add --detach --quiet "$worktree" "$base_sha"
# Synth builds the web console with the pinned node packages (esbuild):
# the base uses the working tree's node_modules rather than a second npm ci.
ln -s "$root/node_modules" "$worktree/node_modules"
synth "$worktree" "$tmp/base.out"
synth "$root" "$tmp/head.out"

template=$tmp/base.out/$stack.template.json
if [[ ! -f $template ]]; then
  echo "$base has no $stack: every resource shows as added" >&2
  echo '{}' >"$template"
fi
[[ -f $tmp/head.out/$stack.template.json ]] || { echo "the working tree has no $stack" >&2; exit 1; }

echo "cdk diff $stack: $base ($(git rev-parse --short "$base_sha")) -> working tree" >&2
# --exclusively: the stack alone, not the account stack it depends on (one template to compare).
"$cdk" diff --no-notices --no-version-reporting --app "$tmp/head.out" --exclusively --template "$template" "$stack"
