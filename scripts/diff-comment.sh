#!/usr/bin/env bash
# diff-comment.sh DIR ENV...: the pull-request comment (Markdown) for the
# `cdk diff` outputs in DIR/<env>.txt, with each diff's exit status in
# DIR/<env>.status. Stateful changes (scripts/stateful-changes.sh) come
# first. The hidden marker on the first line lets the workflow find and
# update its own comment instead of adding one per push.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 DIR ENV..." >&2; exit 2; }
dir=$1
shift
here=$(dirname "$0")
# GitHub refuses comments over 65,536 characters; leave room for the rest.
max=$((50000 / $#))

echo '<!-- useradmin-cdk-diff -->'
echo "## \`cdk diff\` against the deployed stacks"
echo

stateful='' failed=()
for env in "$@"; do
  [[ $(cat "$dir/$env.status" 2>/dev/null || echo 1) == 0 ]] || failed+=("$env")
  while IFS= read -r line; do
    stateful+="> - **$env**: \`$line\`"$'\n'
  done < <("$here/stateful-changes.sh" "$dir/$env.txt")
done
if [[ -n $stateful ]]; then
  echo '> [!CAUTION]'
  echo '> **Stateful resources deleted, replaced or changed beyond what Cognito allows.** A deleted or replaced user pool loses every user and'
  echo '> their passwords; a replaced client changes its id. Make sure this is intended before merging.'
  echo '>'
  printf '%s' "$stateful"
elif ((${#failed[@]} == 0)); then
  echo 'No Cognito resource is deleted or replaced.'
fi
if ((${#failed[@]} > 0)); then
  echo
  echo "> [!WARNING]"
  echo "> The diff failed for ${failed[*]}: those environments are unchecked."
fi
echo

for env in "$@"; do
  out=$dir/$env.txt
  status=$(cat "$dir/$env.status" 2>/dev/null || echo 1)
  # Keep the diff itself: drop the Node.js banner of jsii and blank runs.
  body=$(sed -e 's/\x1b\[[0-9;]*m//g' "$out" | grep -v '^!!' | cat -s)
  if [[ $status != 0 ]]; then
    summary="<b>$env</b>: the diff failed (exit $status), see the workflow run"
  elif grep -q 'There were no differences' <<<"$body"; then
    summary="<b>$env</b>: no differences"
  else
    summary="<b>$env</b>: $(grep -cE '^\[(-|\+|~|←)\] ' <<<"$body" || true) resource(s) changed"
  fi
  if ((${#body} > max)); then
    body="${body:0:max}"$'\n'"… truncated: the full diff is in the workflow run's log"
  fi
  echo "<details><summary>$summary</summary>"
  echo
  echo '~~~~text'
  printf '%s\n' "$body"
  echo '~~~~'
  echo
  echo '</details>'
done
