// Package client is the Go client of the user admin API, generated from
// api/openapi.yaml by oapi-codegen (pinned in go.mod's tool block). Do not
// edit client.gen.go: change the document and run go generate ./api/client.
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml -o client.gen.go ../openapi.yaml
