package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The function's client signs with the execution role's credentials from
// the environment, in its region, and goes where an endpoint override says.
func TestAWSConfigFromTheLambdaEnvironment(t *testing.T) {
	var auth, target string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, target = r.Header.Get("Authorization"), r.Header.Get("X-Amz-Target")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte(`{"Username":"u","UserAttributes":[],"Enabled":true,"UserStatus":"CONFIRMED"}`))
	}))
	defer srv.Close()
	cfg, err := awsConfig(env(map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL": "http://ignored.invalid",
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": srv.URL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.SessionToken != "token" {
		t.Fatalf("credentials %+v, %v", creds, err)
	}
	_, err = cip.NewFromConfig(cfg).AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String("eu-west-1_x"), Username: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	if target != "AWSCognitoIdentityProviderService.AdminGetUser" || !strings.Contains(auth, "Credential=ASIAEXAMPLE/") || !strings.Contains(auth, "/eu-west-1/cognito-idp/") {
		t.Errorf("request: target %q, authorization %q", target, auth)
	}
}

func TestAWSConfigRefusesAMissingEnvironment(t *testing.T) {
	for name, m := range map[string]map[string]string{
		"no region":      {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
		"no credentials": {"AWS_REGION": "eu-west-1"},
	} {
		if _, err := awsConfig(env(m)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if cfg, err := awsConfig(env(map[string]string{"AWS_DEFAULT_REGION": "us-east-2", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})); err != nil || cfg.Region != "us-east-2" || cfg.BaseEndpoint != nil {
		t.Errorf("AWS_DEFAULT_REGION: %+v %v", cfg, err)
	}
}
