// Binds the sign-in state machine (auth.ts) to amazon-cognito-identity-js:
// SRP through the admin client, tokens in the given storage (sessionStorage).
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";
import { type CognitoCall, type PoolPort, type UserPort } from "./auth";
import type { RuntimeConfig } from "./config";

export function cognitoEndpoint(c: RuntimeConfig): string {
  return c.cognitoEndpoint || `https://cognito-idp.${c.region}.amazonaws.com/`;
}

export function cognitoPool(c: RuntimeConfig, storage: Storage): PoolPort {
  const pool = new CognitoUserPool({
    UserPoolId: c.userPoolId,
    ClientId: c.clientId,
    endpoint: c.cognitoEndpoint || undefined,
    Storage: storage,
  });
  return {
    user: (email) => port(new CognitoUser({ Username: email, Pool: pool, Storage: storage })),
    current: () => {
      const u = pool.getCurrentUser();
      return u ? port(u) : null;
    },
  };
}

function port(u: CognitoUser): UserPort {
  // The library's callback types are wider than the port's; the calls are the same.
  const lib = u as any;
  return {
    authenticate: (email, password, cb) => u.authenticateUser(new AuthenticationDetails({ Username: email, Password: password }), cb as any),
    completeNewPasswordChallenge: (pw, attrs, cb) => u.completeNewPasswordChallenge(pw, attrs, cb as any),
    sendMFACode: (code, cb, type) => u.sendMFACode(code, cb as any, type),
    associateSoftwareToken: (cb) => lib.associateSoftwareToken(cb),
    verifySoftwareToken: (code, name, cb) => lib.verifySoftwareToken(code, name, cb),
    setUserMfaPreference: (sms, totp, cb) => u.setUserMfaPreference(sms, totp, (e) => cb(e)),
    getSession: (cb) => u.getSession(cb as any),
    signOut: () => u.signOut(),
  };
}

/** One request of Cognito's JSON API, as the library sends them, without its retries. */
export function cognitoCall(endpoint: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): CognitoCall {
  return async (operation, params) => {
    const resp = await fetchImpl(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(params),
      cache: "no-store",
    });
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      const code = String(body.__type ?? body.code ?? `HTTP${resp.status}`).split("#").pop();
      throw Object.assign(new Error(body.message ?? body.Message ?? `${operation} failed`), { code });
    }
    return body;
  };
}
