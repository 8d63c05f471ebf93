package infra

// ApprovedReplacements lists stateful resources that a change may replace or
// remove, as "<stack>/<logical ID>" → the reason and who approved it.
//
// Replacing the user pool deletes every user and password; replacing the
// client breaks every app configured with its id. The snapshot tests refuse
// any such change, and `make snapshot` refuses to record one, unless it is
// listed here, where the pull request shows it to a reviewer. Remove the
// entry once the change has been deployed.
var ApprovedReplacements = map[string]string{}
