package handler

import "strings"

// cleanPath reports whether the request's path has no empty segment (a
// trailing or doubled slash) and no "." or ".." segment. API Gateway REST
// APIs have been seen to route "/users/x/" to /users/{email}; a client that
// resolves dot segments (Go's url package, a browser's URL parser) turns
// "/users/x/groups/.." into exactly that, so DELETE of a group membership
// with the group ".." would become the user's deletion. Such a path is
// answered as an unknown route instead, whatever the gateway did. An empty
// path (a test or a caller that sets none) is left to the resource's routing.
func cleanPath(path string) bool {
	if path == "" || path == "/" {
		return true
	}
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
