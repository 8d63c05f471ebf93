package infra

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
)

// goBuild is a CDK local bundler: it compiles one of the Lambdas' main
// packages into <outputDir>/bootstrap for provided.al2023 on arm64, without Docker.
type goBuild struct {
	moduleDir string // where go.mod is
	pkg       string // the main package (gobuild.Package, gobuild.EventsPackage)
}

// TryBundle implements awscdk.ILocalBundling. jsii calls it through a pointer:
// pass &goBuild{…}, never a value.
func (b *goBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := gobuild.Build(context.Background(), b.moduleDir, b.pkg, filepath.Join(*outputDir, "bootstrap"), "linux", "arm64", true); err != nil {
		// Returning false would make CDK fall back to Docker, which is not
		// wanted here and hides the real error: stop the synth instead.
		panic("building the Lambda: " + err.Error())
	}
	return jsii.Bool(true)
}

// goFunctionCode is the code asset of the Lambda built from the main package
// pkg, hashed by its output so identical binaries give identical templates.
func goFunctionCode(moduleDir, pkg string) awslambda.Code {
	return awslambda.Code_FromAsset(jsii.String(filepath.Join(moduleDir, "lambda")), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Required by the type, never pulled: the local bundler always succeeds or stops the synth.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1.26")),
			Local: &goBuild{moduleDir: moduleDir, pkg: pkg},
			// Never used by the local bundler; it makes the package part of
			// CDK's bundling cache key, so two functions never share one build.
			Environment: &map[string]*string{"GO_PACKAGE": jsii.String(pkg)},
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
