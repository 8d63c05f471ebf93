#!/usr/bin/env bash
# stateful-changes.sh [FILE...]: the changes in `cdk diff` output (files or
# stdin) that put users at risk: any AWS::Cognito::* resource deleted,
# replaced, possibly replaced or orphaned, and any change to a user pool's
# username attributes, which Cognito fixes at creation. A replaced or
# deleted pool takes every user with it. Prints one line per change and
# nothing when there are none; exits 0 either way (it reports, the reviewer
# decides).
set -euo pipefail

# Resource lines read "[-] TYPE ID… IMPACT [(OR move …)]", their property
# lines " ├─ [~] Name …" below them.
sed -e 's/\x1b\[[0-9;]*m//g' "$@" | awk '
  /^\[(-|\+|~|←)\] / {
    line = $0; pool = ($2 == "AWS::Cognito::UserPool"); flagged = 0
    if ($2 ~ /^AWS::Cognito::/ && ($1 == "[-]" || line ~ / (replace|may be replaced|destroy|orphan)( \(OR .*)?$/)) {
      print line; flagged = 1
    }
    next
  }
  pool && !flagged && /^ (├|└)─ \[(-|\+|~)\] (UsernameAttributes|AliasAttributes|UsernameConfiguration)( |$)/ {
    print line ": " $3 " cannot change once the pool exists"
  }
'
