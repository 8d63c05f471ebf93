package main

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// awsConfig is the SDK configuration the Lambda runtime hands the function
// in its environment: the region and the execution role's credentials, and
// an endpoint override where one is set (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
// else AWS_ENDPOINT_URL, as the SDKs document). It stands in for
// config.LoadDefaultConfig, whose shared-config files, SSO and STS
// resolvers a function never uses and which would put about 1.3 MB of SSO,
// SSO-OIDC and STS clients in the binary. Retries are the client's
// standard ones either way.
func awsConfig(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("AWS_REGION is not set")
	}
	key, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: the execution role's credentials are missing")
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, getenv("AWS_SESSION_TOKEN"))),
	}
	for _, name := range []string{"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL"} {
		if v := getenv(name); v != "" {
			cfg.BaseEndpoint = aws.String(v)
			break
		}
	}
	return cfg, nil
}
