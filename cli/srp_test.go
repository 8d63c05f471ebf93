package cli

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// The server side of Cognito's SRP-6a, written here from the protocol (the
// 3072-bit group of RFC 5054, SHA-256, Cognito's HKDF and claim signature),
// independently of the client library, so a wrong computation on either
// side fails the exchange.

var (
	srpN = mustHex("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
		"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
		"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
		"83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
		"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
		"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
		"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
		"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF")
	srpG = big.NewInt(2)
)

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic(s)
	}
	return n
}

// pad is a number's big-endian bytes with a leading zero byte when the high
// bit is set (the two's-complement encoding Cognito hashes).
func pad(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) > 0 && b[0]&0x80 != 0 {
		return append([]byte{0}, b...)
	}
	return b
}

func sha(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func hmacSHA(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

var srpK = new(big.Int).SetBytes(sha(pad(srpN), pad(srpG)))

// x = H(salt | H(poolName | userId | ":" | password))
func srpX(salt *big.Int, poolName, userID, password string) *big.Int {
	return new(big.Int).SetBytes(sha(pad(salt), sha([]byte(poolName+userID+":"+password))))
}

func srpU(A, B *big.Int) *big.Int { return new(big.Int).SetBytes(sha(pad(A), pad(B))) }

// hkdf is Cognito's key: HKDF-SHA256 of S with u as salt, 16 bytes.
func hkdf(S, u *big.Int) []byte {
	prk := hmacSHA(pad(u), pad(S))
	return hmacSHA(prk, []byte("Caldera Derived Key"), []byte{1})[:16]
}

// TestSRPKnownAnswer pins the client to the published vector of
// capless/warrant (Python), which alexrudd/cognito-srp also tests against:
// a = B = salt = 1234567890, user and password "test", pool "myPool".
func TestSRPKnownAnswer(t *testing.T) {
	n := big.NewInt(1234567890)
	c := &srpClient{poolName: "myPool", a: n, A: new(big.Int).Exp(srpG, n, srpN)}
	key, err := c.key("test", "test", n, n)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key); got != "d96cde6c95dda17175c1293140c5a81f" {
		t.Fatalf("key %s, want d96cde6c95dda17175c1293140c5a81f", got)
	}
	// This file's k, from the protocol, is the client's.
	if srpK.Cmp(srpMultiplier) != 0 {
		t.Fatal("k differs")
	}
}

// Cognito reads TIMESTAMP as "EEE MMM d HH:mm:ss z yyyy": 24-hour clock,
// unpadded day, UTC.
func TestSRPTimestamp(t *testing.T) {
	c, err := newSRPClient("eu-west-1_Ab12Cd34")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"USER_ID_FOR_SRP": "u", "USERNAME": "u", "SRP_B": "1234567890", "SALT": "abcdef", "SECRET_BLOCK": "AAAA"}
	for now, want := range map[time.Time]string{
		time.Date(2026, 11, 1, 15, 4, 5, 0, time.FixedZone("CET", 3600)): "Sun Nov 1 14:04:05 UTC 2026",
		time.Date(2026, 11, 22, 0, 30, 0, 0, time.UTC):                   "Sun Nov 22 00:30:00 UTC 2026",
	} {
		r, err := c.passwordVerifier(params, "pw", now)
		if err != nil {
			t.Fatal(err)
		}
		if r["TIMESTAMP"] != want {
			t.Errorf("TIMESTAMP %q, want %q", r["TIMESTAMP"], want)
		}
	}
}

// srpServer plays Cognito for one user: it answers USER_SRP_AUTH and checks
// the PASSWORD_VERIFIER claim, then raises the challenges it is given.
type srpServer struct {
	t                  *testing.T
	poolID, userID     string
	salt, verifier, b  *big.Int
	A, B               *big.Int
	secretBlock        []byte
	then               []types.ChallengeNameType // challenges after the verifier
	responses          []map[string]string
	newPasswordReached bool
}

func newSRPServer(t *testing.T, poolID, userID, password string) *srpServer {
	s := &srpServer{t: t, poolID: poolID, userID: userID}
	s.salt = randInt(16)
	poolName := poolID[strings.Index(poolID, "_")+1:]
	s.verifier = new(big.Int).Exp(srpG, srpX(s.salt, poolName, userID, password), srpN)
	s.b = randInt(32)
	s.B = new(big.Int).Add(new(big.Int).Mul(srpK, s.verifier), new(big.Int).Exp(srpG, s.b, srpN))
	s.B.Mod(s.B, srpN)
	s.secretBlock = randInt(64).Bytes()
	return s
}

func randInt(n int) *big.Int {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return new(big.Int).SetBytes(b)
}

func (s *srpServer) InitiateAuth(_ context.Context, in *cip.InitiateAuthInput, _ ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	if in.AuthFlow != types.AuthFlowTypeUserSrpAuth {
		s.t.Fatalf("auth flow %s, want USER_SRP_AUTH", in.AuthFlow)
	}
	if _, ok := in.AuthParameters["PASSWORD"]; ok {
		s.t.Fatal("the password was sent to Cognito")
	}
	A, ok := new(big.Int).SetString(in.AuthParameters["SRP_A"], 16)
	if !ok || new(big.Int).Mod(A, srpN).Sign() == 0 {
		s.t.Fatalf("bad SRP_A %q", in.AuthParameters["SRP_A"])
	}
	s.A = A
	return &cip.InitiateAuthOutput{
		ChallengeName: types.ChallengeNameTypePasswordVerifier,
		ChallengeParameters: map[string]string{
			"USERNAME": s.userID, "USER_ID_FOR_SRP": s.userID,
			"SALT": s.salt.Text(16), "SRP_B": s.B.Text(16),
			"SECRET_BLOCK": base64.StdEncoding.EncodeToString(s.secretBlock),
		},
	}, nil
}

var errRefused = &types.NotAuthorizedException{Message: aws.String("Incorrect username or password.")}

func (s *srpServer) RespondToAuthChallenge(_ context.Context, in *cip.RespondToAuthChallengeInput, _ ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error) {
	s.responses = append(s.responses, in.ChallengeResponses)
	switch in.ChallengeName {
	case types.ChallengeNameTypePasswordVerifier:
		r := in.ChallengeResponses
		block, _ := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
		if !bytes.Equal(block, s.secretBlock) {
			s.t.Fatal("the secret block did not come back")
		}
		ts, err := time.Parse("Mon Jan 2 15:04:05 MST 2006", r["TIMESTAMP"])
		if err != nil || time.Since(ts).Abs() > time.Minute {
			s.t.Fatalf("TIMESTAMP %q is not now: %v", r["TIMESTAMP"], err)
		}
		u := srpU(s.A, s.B)
		S := new(big.Int).Exp(new(big.Int).Mul(s.A, new(big.Int).Exp(s.verifier, u, srpN)), s.b, srpN)
		poolName := s.poolID[strings.Index(s.poolID, "_")+1:]
		want := hmacSHA(hkdf(S, u), []byte(poolName), []byte(s.userID), s.secretBlock, []byte(r["TIMESTAMP"]))
		got, _ := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SIGNATURE"])
		if !hmac.Equal(got, want) {
			return nil, errRefused
		}
	case types.ChallengeNameTypeNewPasswordRequired:
		s.newPasswordReached = true
	}
	if len(s.then) > 0 {
		next := s.then[0]
		s.then = s.then[1:]
		return &cip.RespondToAuthChallengeOutput{ChallengeName: next, Session: aws.String("session"), ChallengeParameters: map[string]string{}}, nil
	}
	return &cip.RespondToAuthChallengeOutput{AuthenticationResult: &types.AuthenticationResultType{
		IdToken: aws.String("h.e30.s"), AccessToken: aws.String("access"), RefreshToken: aws.String("refresh"),
	}}, nil
}

func (s *srpServer) AssociateSoftwareToken(context.Context, *cip.AssociateSoftwareTokenInput, ...func(*cip.Options)) (*cip.AssociateSoftwareTokenOutput, error) {
	return nil, errors.New("not expected")
}

func (s *srpServer) VerifySoftwareToken(context.Context, *cip.VerifySoftwareTokenInput, ...func(*cip.Options)) (*cip.VerifySoftwareTokenOutput, error) {
	return nil, errors.New("not expected")
}

func testSignIn(idp identityProvider, stdin string) (*signIn, *bytes.Buffer) {
	var stderr bytes.Buffer
	a := newApp(IO{Stdin: strings.NewReader(stdin), Stderr: &stderr})
	return &signIn{
		idp: idp, profile: Profile{UserPoolID: "eu-west-1_Ab12Cd34", ClientID: "client"},
		prompt: a.prompter(true), stderr: &stderr, policy: settings.DefaultPasswordPolicy(), now: time.Now,
	}, &stderr
}

func TestSRPExchange(t *testing.T) {
	const user, password = "5f6e7d8c-0000-4000-8000-123456789abc", "Correct-Horse-9!"
	for i := 0; i < 5; i++ { // a fresh a and b each time: padding edge cases vary
		srv := newSRPServer(t, "eu-west-1_Ab12Cd34", user, password)
		si, _ := testSignIn(srv, "")
		res, err := si.run(context.Background(), "admin@example.com", password)
		if err != nil {
			t.Fatalf("run %d: the right password was refused: %v", i, err)
		}
		if aws.ToString(res.RefreshToken) != "refresh" {
			t.Fatalf("no tokens: %+v", res)
		}
		if got := srv.responses[0]["USERNAME"]; got != user {
			t.Errorf("USERNAME %q, want the challenge's %q", got, user)
		}
	}
	srv := newSRPServer(t, "eu-west-1_Ab12Cd34", user, password)
	si, _ := testSignIn(srv, "")
	if _, err := si.run(context.Background(), "admin@example.com", "Correct-Horse-8!"); !errors.As(err, new(*types.NotAuthorizedException)) {
		t.Fatalf("a wrong password: %v, want NotAuthorized", err)
	}
}

// A new password that breaks the policy is refused before it is sent, with
// the rule named, and never echoed.
func TestNewPasswordCheckedBeforeSending(t *testing.T) {
	const password = "Temp-Passw0rd-1!"
	srv := newSRPServer(t, "eu-west-1_Ab12Cd34", "u", password)
	srv.then = []types.ChallengeNameType{types.ChallengeNameTypeNewPasswordRequired}
	si, stderr := testSignIn(srv, "nodigits-Here!\n")
	_, err := si.run(context.Background(), "new@example.com", password)
	if err == nil || !strings.Contains(err.Error(), "digit") {
		t.Fatalf("err %v, want the digit rule named", err)
	}
	if srv.newPasswordReached {
		t.Error("the refused password was sent to Cognito")
	}
	if strings.Contains(err.Error()+stderr.String(), "nodigits-Here!") {
		t.Error("the password was echoed")
	}

	srv = newSRPServer(t, "eu-west-1_Ab12Cd34", "u", password)
	srv.then = []types.ChallengeNameType{types.ChallengeNameTypeNewPasswordRequired}
	si, _ = testSignIn(srv, "Brand-New-Passw0rd!\n")
	if _, err := si.run(context.Background(), "new@example.com", password); err != nil {
		t.Fatal(err)
	}
	if got := srv.responses[1]["NEW_PASSWORD"]; got != "Brand-New-Passw0rd!" || !srv.newPasswordReached {
		t.Errorf("NEW_PASSWORD %q", got)
	}
}

// The profile's policy, not the default, decides.
func TestNewPasswordUsesProfilePolicy(t *testing.T) {
	const password = "Temp-Passw0rd-1!"
	srv := newSRPServer(t, "eu-west-1_Ab12Cd34", "u", password)
	srv.then = []types.ChallengeNameType{types.ChallengeNameTypeNewPasswordRequired}
	si, _ := testSignIn(srv, "Thirteen-ch1!\n")
	si.policy = Profile{PasswordPolicy: "min=16,digit"}.policy()
	_, err := si.run(context.Background(), "new@example.com", password)
	if err == nil || !strings.Contains(err.Error(), "at least 16") || srv.newPasswordReached {
		t.Fatalf("err %v; sent %v", err, srv.newPasswordReached)
	}
}
