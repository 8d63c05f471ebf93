import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "./api";
import { Auth, AuthError, otpauthUri, type AuthCallbacks, type PoolPort, type SessionPort, type UserPort } from "./auth";

function jwt(payload: Record<string, unknown>) {
  return { getJwtToken: () => `jwt.${JSON.stringify(payload)}`, decodePayload: () => payload };
}
function session(email: string, valid = true, n = 1): SessionPort {
  return {
    isValid: () => valid,
    getIdToken: () => jwt({ email, n }),
    getAccessToken: () => jwt({ access: n }),
    getRefreshToken: () => ({ getToken: () => `refresh-${n}` }),
  };
}

/** A fake CognitoUser answering a scripted pool: each sign-in step pops the next answer. */
class FakeUser implements UserPort {
  calls: string[] = [];
  answers: ((cb: AuthCallbacks) => void)[] = [];
  current: SessionPort | null = null;
  sessionError: Error | null = null;
  constructor(readonly email: string) {}
  private next(cb: AuthCallbacks) {
    const a = this.answers.shift();
    assert.ok(a, "no scripted answer left");
    a(cb);
  }
  authenticate(email: string, password: string, cb: AuthCallbacks) {
    this.calls.push(`authenticate ${email} ${password}`);
    this.next(cb);
  }
  completeNewPasswordChallenge(pw: string, attrs: Record<string, string>, cb: AuthCallbacks) {
    this.calls.push(`newPassword ${pw} ${JSON.stringify(attrs)}`);
    this.next(cb);
  }
  sendMFACode(code: string, cb: AuthCallbacks, type: string) {
    this.calls.push(`mfa ${code} ${type}`);
    this.next(cb);
  }
  associateSoftwareToken(cb: { associateSecretCode(s: string): void }) {
    this.calls.push("associate");
    cb.associateSecretCode("SECRET234");
  }
  verifySoftwareToken(code: string, _name: string, cb: { onSuccess(x: unknown): void; onFailure(e: Error): void }) {
    this.calls.push(`verify ${code}`);
    if (code === "000000") cb.onFailure(Object.assign(new Error("Code mismatch"), { code: "CodeMismatchException" }));
    else cb.onSuccess(this.current ?? (this.current = session(this.email)));
  }
  setUserMfaPreference(_s: null, totp: { PreferredMfa: boolean; Enabled: boolean }, cb: (e: Error | null) => void) {
    this.calls.push(`preference ${JSON.stringify(totp)}`);
    cb(null);
  }
  getSession(cb: (e: Error | null, s: SessionPort | null) => void) {
    this.calls.push("getSession");
    if (this.sessionError) cb(this.sessionError, null);
    else cb(null, this.current);
  }
  signOut() {
    this.calls.push("signOut");
    this.current = null;
  }
}

function setup(opts: { stored?: FakeUser; revoke?: boolean; global?: boolean; answers?: ((cb: AuthCallbacks) => void)[] } = {}) {
  const users: FakeUser[] = [];
  const cognito: string[] = [];
  let cleared = 0;
  const pool: PoolPort = {
    user: (email) => {
      const u = new FakeUser(email);
      u.answers.push(...(opts.answers ?? []));
      users.push(u);
      return u;
    },
    current: () => opts.stored ?? null,
  };
  const auth = new Auth(
    pool,
    async (op, params) => {
      cognito.push(`${op} ${JSON.stringify(params)}`);
      if (op === "RevokeToken" && opts.revoke === false) throw new Error("unknown operation");
      if (op === "GlobalSignOut" && opts.global === false) throw new Error("down");
      return {};
    },
    "client-1",
    { clear: () => void cleared++ },
    "eu-west-1_pool",
  );
  return { auth, users, cognito, cleared: () => cleared };
}

test("a plain sign-in is signed in, and the token source gives the ID token", async () => {
  const { auth, users } = setup({ answers: [(cb) => cb.onSuccess(session("admin@example.com", true, 2))] });
  assert.deepEqual(await auth.signIn(" Admin@Example.com ", "pw"), { kind: "signedIn" });
  assert.deepEqual(users[0].calls, ["authenticate admin@example.com pw"]);
  assert.equal(auth.email(), "admin@example.com");
  users[0].current = session("admin@example.com", true, 2);
  assert.equal(await auth.token(), 'jwt.{"email":"admin@example.com","n":2}');
});

test("first sign-in: new password, then MFA setup with the secret and its URI, then signed in", async () => {
  const { auth, users } = setup({
    answers: [(cb) => cb.newPasswordRequired!({ email_verified: "true" }, []), (cb) => cb.mfaSetup!("MFA_SETUP", {})],
  });
  const step1 = await auth.signIn("New@Example.com", "temp");
  assert.deepEqual(step1, { kind: "newPassword" });
  const step2 = await auth.newPassword("Correct-Horse-9");
  assert.equal(step2.kind, "mfaSetup");
  assert.ok(step2.kind === "mfaSetup" && step2.secret === "SECRET234");
  assert.ok(step2.kind === "mfaSetup" && step2.uri === otpauthUri("SECRET234", "new@example.com", "eu-west-1_pool"));
  await assert.rejects(auth.verifyMfaSetup("000000"), (e: unknown) => e instanceof AuthError && e.code === "CodeMismatchException");
  assert.deepEqual(await auth.verifyMfaSetup(" 123456 "), { kind: "signedIn" });
  assert.deepEqual(users[0].calls, [
    "authenticate new@example.com temp",
    'newPassword Correct-Horse-9 {}',
    "associate",
    "verify 000000",
    "verify 123456",
  ]);
  assert.equal(auth.email(), "new@example.com");
  assert.ok(auth.signedIn());
});

test("a TOTP sign-in sends the code as a software token", async () => {
  const { auth, users } = setup({ answers: [(cb) => cb.totpRequired!("SOFTWARE_TOKEN_MFA", {}), (cb) => cb.onSuccess(session("a@b.c"))] });
  assert.deepEqual(await auth.signIn("a@b.c", "pw"), { kind: "totp" });
  assert.deepEqual(await auth.totp("654321"), { kind: "signedIn" });
  assert.deepEqual(users[0].calls, ["authenticate a@b.c pw", "mfa 654321 SOFTWARE_TOKEN_MFA"]);
});

test("a wrong password is an AuthError with Cognito's code; SMS MFA is refused by name", async () => {
  const bad = Object.assign(new Error("Incorrect username or password."), { code: "NotAuthorizedException" });
  const a = setup({ answers: [(cb) => cb.onFailure(bad)] }).auth;
  await assert.rejects(a.signIn("a@b.c", "x"), (e: unknown) => e instanceof AuthError && e.code === "NotAuthorizedException" && /Incorrect/.test(e.message));
  assert.ok(!a.signedIn());
  const b = setup({ answers: [(cb) => cb.mfaRequired!("SMS_MFA", {})] }).auth;
  await assert.rejects(b.signIn("a@b.c", "x"), (e: unknown) => e instanceof AuthError && e.code === "UnsupportedChallenge" && /SMS/.test(e.message));
});

test("a kept session is restored after a reload; a refresh failure is a 401 for the app", async () => {
  const stored = new FakeUser("a@b.c");
  stored.current = session("a@b.c", true, 7);
  const { auth } = setup({ stored });
  assert.ok(await auth.restore());
  assert.equal(auth.email(), "a@b.c");
  assert.equal(await auth.token(), 'jwt.{"email":"a@b.c","n":7}');
  stored.sessionError = new Error("Refresh Token has been revoked");
  await assert.rejects(auth.token(), (e: unknown) => e instanceof ApiError && e.status === 401);
});

test("no kept session, or an invalid one, is not signed in", async () => {
  assert.equal(await setup().auth.restore(), false);
  const stored = new FakeUser("a@b.c");
  stored.current = session("a@b.c", false);
  assert.equal(await setup({ stored }).auth.restore(), false);
});

test("a signed-in caller sets up MFA: associate, verify, then TOTP preferred", async () => {
  const stored = new FakeUser("a@b.c");
  stored.current = session("a@b.c");
  const { auth } = setup({ stored });
  await auth.restore();
  const { secret, uri } = await auth.beginMfaSetup();
  assert.equal(secret, "SECRET234");
  assert.equal(uri, "otpauth://totp/eu-west-1_pool%3Aa%40b.c?secret=SECRET234&issuer=eu-west-1_pool");
  await auth.finishMfaSetup("123456");
  assert.deepEqual(stored.calls.slice(-3), ["associate", "verify 123456", 'preference {"PreferredMfa":true,"Enabled":true}']);
});

test("sign-out revokes the refresh token and clears the tab's storage", async () => {
  const stored = new FakeUser("a@b.c");
  stored.current = session("a@b.c", true, 3);
  const s = setup({ stored });
  await s.auth.restore();
  assert.equal(await s.auth.signOut(), "revoked");
  assert.deepEqual(s.cognito, ['RevokeToken {"Token":"refresh-3","ClientId":"client-1"}']);
  assert.equal(s.cleared(), 1);
  assert.ok(stored.calls.includes("signOut"));
  assert.ok(!s.auth.signedIn());
});

test("where RevokeToken is refused, sign-out ends every session with GlobalSignOut", async () => {
  const stored = new FakeUser("a@b.c");
  stored.current = session("a@b.c", true, 4);
  const s = setup({ stored, revoke: false });
  await s.auth.restore();
  assert.equal(await s.auth.signOut(), "globalSignOut");
  assert.deepEqual(s.cognito.map((c) => c.split(" ")[0]), ["RevokeToken", "GlobalSignOut"]);
  assert.equal(s.cleared(), 1);
});

test("when Cognito refuses both, the tab still forgets the session and says it was not revoked", async () => {
  const stored = new FakeUser("a@b.c");
  stored.current = session("a@b.c");
  const s = setup({ stored, revoke: false, global: false });
  await s.auth.restore();
  assert.equal(await s.auth.signOut(), "notRevoked");
  assert.equal(s.cleared(), 1);
  assert.ok(!s.auth.signedIn());
});
