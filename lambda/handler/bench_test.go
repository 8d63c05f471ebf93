package handler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// instantCognito answers a create at once and keeps nothing, so the benchmark
// measures the handler's own overhead: routing, authz, decoding, validation,
// encoding and logging.
type instantCognito struct{ Cognito }

func (instantCognito) AdminCreateUser(_ context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	return &cip.AdminCreateUserOutput{User: &types.UserType{Username: aws.String("sub"), Attributes: in.UserAttributes,
		UserStatus: types.UserStatusTypeForceChangePassword, Enabled: true, UserCreateDate: &fakeTime, UserLastModifiedDate: &fakeTime}}, nil
}

func (instantCognito) AdminAddUserToGroup(context.Context, *cip.AdminAddUserToGroupInput, ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error) {
	return &cip.AdminAddUserToGroupOutput{}, nil
}

func BenchmarkCreate(b *testing.B) {
	h := New(testSettings(), instantCognito{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	req := createEvent(`{"email":"New.User@Example.com","temporaryPassword":"Kx9#mQ2!vLp7$wZ4","groups":["support"]}`).request(b)
	req.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": "s", "aud": testClient, "email": "admin@example.com", "cognito:groups": "admins", "token_use": "id"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, _ := h.Handle(ctx, req)
		if resp.StatusCode != 201 {
			b.Fatal(fmt.Sprint(resp.StatusCode, resp.Body))
		}
	}
}
