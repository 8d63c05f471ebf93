package infra

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// goBuild is a CDK local bundler: it compiles a Go main package into
// <outputDir>/bootstrap for Lambda's provided.al2023 runtime on arm64,
// without Docker.
type goBuild struct {
	moduleDir string // where go.mod is
	pkg       string // the main package, relative to moduleDir, e.g. ./lambda/cmd/bootstrap
}

// buildFlags make the binary small and the build reproducible: no paths, no
// VCS stamp, no cgo, so the same commit always yields the same bytes and so
// the same asset hash.
var buildFlags = []string{"-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w -buildid="}

// TryBundle implements awscdk.ILocalBundling. jsii calls it through a pointer:
// pass &goBuild{…}, never a value.
func (b *goBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	args := append([]string{"build"}, buildFlags...)
	args = append(args, "-o", filepath.Join(*outputDir, "bootstrap"), b.pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = b.moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOFLAGS=-mod=readonly")
	cmd.Stdout = os.Stderr // CDK reads stdout of the app; keep it clean
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		// Returning false would make CDK fall back to Docker, which is not
		// wanted here and hides the real error: stop the synth instead.
		panic(fmt.Sprintf("building the Lambda (go %v in %s): %v", args, b.moduleDir, err))
	}
	return jsii.Bool(true)
}

// goFunctionCode is the Lambda code asset for the Go main package pkg,
// hashed by its output so identical binaries give identical templates.
func goFunctionCode(moduleDir, pkg string) awslambda.Code {
	return awslambda.Code_FromAsset(jsii.String(filepath.Join(moduleDir, "lambda")), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Required by the type, never pulled: the local bundler always succeeds or stops the synth.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1.26")),
			Local: &goBuild{moduleDir: moduleDir, pkg: pkg},
		},
	})
}

// ModuleDir finds the directory holding go.mod, walking up from the working
// directory (the repository root under `cdk synth`, the package directory under `go test`).
func ModuleDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
