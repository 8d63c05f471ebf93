// Sign-in as a small state machine over Cognito's SRP flow: each answer is
// the next Step (signed in, or the challenge to answer). The Cognito side is
// a port (UserPort, PoolPort) so the machine is tested with fakes; cognito.ts
// binds it to amazon-cognito-identity-js. Tokens live where the pool's
// Storage puts them: sessionStorage, never localStorage or cookies.
import { ApiError, type TokenSource } from "./api";

export type Step =
  | { kind: "signedIn" }
  | { kind: "newPassword" }
  /** Set up TOTP: show the secret (and its otpauth:// URI as a QR code), then ask for a code. */
  | { kind: "mfaSetup"; secret: string; uri: string }
  | { kind: "totp" };

export interface TokenPort {
  getJwtToken(): string;
  decodePayload(): Record<string, unknown>;
}
export interface SessionPort {
  isValid(): boolean;
  getIdToken(): TokenPort;
  getAccessToken(): TokenPort;
  getRefreshToken(): { getToken(): string };
}

/** What the library calls back with during a sign-in. */
export interface AuthCallbacks {
  onSuccess(session: SessionPort): void;
  onFailure(err: Error): void;
  newPasswordRequired?(userAttributes: unknown, requiredAttributes: unknown): void;
  mfaSetup?(challengeName: string, params: unknown): void;
  totpRequired?(challengeName: string, params: unknown): void;
  mfaRequired?(challengeName: string, params: unknown): void;
  selectMFAType?(challengeName: string, params: unknown): void;
  customChallenge?(params: unknown): void;
}

/** The subset of amazon-cognito-identity-js's CognitoUser the console uses. */
export interface UserPort {
  authenticate(email: string, password: string, cb: AuthCallbacks): void;
  completeNewPasswordChallenge(password: string, attributes: Record<string, string>, cb: AuthCallbacks): void;
  sendMFACode(code: string, cb: AuthCallbacks, mfaType: "SOFTWARE_TOKEN_MFA"): void;
  associateSoftwareToken(cb: { associateSecretCode(secret: string): void; onFailure(err: Error): void }): void;
  verifySoftwareToken(code: string, deviceName: string, cb: { onSuccess(x: unknown): void; onFailure(err: Error): void }): void;
  setUserMfaPreference(sms: null, totp: { PreferredMfa: boolean; Enabled: boolean }, cb: (err: Error | null | undefined) => void): void;
  getSession(cb: (err: Error | null, session: SessionPort | null) => void): void;
  /** Forgets the session locally (no revocation). */
  signOut(): void;
}

export interface PoolPort {
  /** A user to sign in. */
  user(email: string): UserPort;
  /** The user whose session is in storage (a reload of the tab), if any. */
  current(): UserPort | null;
}

/** One call of Cognito's JSON API (RevokeToken, GlobalSignOut), for what the library does not expose plainly. */
export type CognitoCall = (operation: string, params: Record<string, unknown>) => Promise<unknown>;

/** An error from Cognito, with its code (e.g. NotAuthorizedException). */
export class AuthError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = "AuthError";
  }
}

function authError(e: unknown): AuthError {
  if (e instanceof AuthError) return e;
  const err = e as { message?: string; code?: string; name?: string };
  return new AuthError(err?.message || "sign-in failed", err?.code || err?.name || "CognitoError");
}

/** How sign-out ended the session at Cognito. */
export type SignOutOutcome = "revoked" | "globalSignOut" | "notRevoked";

export class Auth {
  private user: UserPort | null = null;
  private session: SessionPort | null = null;
  /** The email being signed in, for the authenticator app's label before any token exists. */
  private signingIn = "";

  constructor(
    private readonly pool: PoolPort,
    private readonly call: CognitoCall,
    private readonly clientId: string,
    /** The storage the pool keeps tokens in; cleared at sign-out. */
    private readonly storage: Pick<Storage, "clear">,
    /** The issuer shown in authenticator apps (the CLI's: the pool id). */
    private readonly issuer: string,
  ) {}

  /** Picks up a session kept in this tab's storage (a reload); true when signed in. */
  async restore(): Promise<boolean> {
    const u = this.pool.current();
    if (!u) return false;
    try {
      const s = await sessionOf(u);
      if (!s.isValid()) return false;
      this.user = u;
      this.session = s;
      return true;
    } catch {
      return false;
    }
  }

  signIn(email: string, password: string): Promise<Step> {
    this.signingIn = email.trim().toLowerCase();
    this.user = this.pool.user(this.signingIn);
    this.session = null;
    const u = this.user;
    return this.step((cb) => u.authenticate(this.signingIn, password, cb));
  }

  /** Answers the new-password challenge (the caller has checked the policy). */
  newPassword(password: string): Promise<Step> {
    const u = this.need();
    // No attributes: the challenge's user attributes hold read-only ones (email_verified) Cognito refuses back.
    return this.step((cb) => u.completeNewPasswordChallenge(password, {}, cb));
  }

  /** Answers the MFA setup challenge with a code from the newly set-up app. */
  verifyMfaSetup(code: string): Promise<Step> {
    const u = this.need();
    return new Promise<Step>((resolve, reject) => {
      u.verifySoftwareToken(code.trim(), "console", {
        onSuccess: (s) => {
          this.session = s as SessionPort;
          resolve({ kind: "signedIn" });
        },
        onFailure: (e) => reject(authError(e)),
      });
    });
  }

  /** Answers the TOTP challenge. */
  totp(code: string): Promise<Step> {
    const u = this.need();
    return this.step((cb) => u.sendMFACode(code.trim(), cb, "SOFTWARE_TOKEN_MFA"));
  }

  /** For a signed-in caller the API refused with MFARequired: a new TOTP secret to set up. */
  async beginMfaSetup(): Promise<{ secret: string; uri: string }> {
    const u = this.need();
    await this.fresh();
    const secret = await associate(u);
    return { secret, uri: otpauthUri(secret, this.email(), this.issuer) };
  }

  /** Verifies the signed-in caller's first code and makes TOTP their second factor. */
  async finishMfaSetup(code: string): Promise<void> {
    const u = this.need();
    await new Promise<void>((resolve, reject) =>
      u.verifySoftwareToken(code.trim(), "console", { onSuccess: () => resolve(), onFailure: (e) => reject(authError(e)) }),
    );
    await new Promise<void>((resolve, reject) =>
      u.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, (e) => (e ? reject(authError(e)) : resolve())),
    );
  }

  /** The signed-in caller's email, from the ID token. */
  email(): string {
    const e = this.session?.getIdToken().decodePayload().email;
    return typeof e === "string" ? e : "";
  }

  /** The email of the sign-in under way (for password managers on the new-password form). */
  signingInAs(): string {
    return this.signingIn;
  }

  signedIn(): boolean {
    return this.session !== null;
  }

  /** The Api's TokenSource: the ID token, refreshed first when it has expired. */
  readonly token: TokenSource = async () => {
    try {
      return (await this.fresh()).getIdToken().getJwtToken();
    } catch {
      throw new ApiError(401, "SessionEnded", "Your session has ended: sign in again.");
    }
  };

  /**
   * Ends the session: revokes its refresh token (RevokeToken); where Cognito
   * refuses that (a client without token revocation, or an emulator without
   * the call), ends every session of the account instead (GlobalSignOut),
   * which also kills this refresh token. Either way the tab forgets the tokens.
   */
  async signOut(): Promise<SignOutOutcome> {
    const u = this.user;
    let outcome: SignOutOutcome = "notRevoked";
    if (u) {
      let s = this.session;
      try {
        s = await sessionOf(u);
      } catch {
        // An expired or revoked session: revoke what is held anyway.
      }
      if (s) {
        try {
          await this.call("RevokeToken", { Token: s.getRefreshToken().getToken(), ClientId: this.clientId });
          outcome = "revoked";
        } catch {
          try {
            await this.call("GlobalSignOut", { AccessToken: s.getAccessToken().getJwtToken() });
            outcome = "globalSignOut";
          } catch {
            outcome = "notRevoked";
          }
        }
      }
      u.signOut();
    }
    this.user = null;
    this.session = null;
    this.storage.clear();
    return outcome;
  }

  private need(): UserPort {
    if (!this.user) throw new AuthError("Sign in first.", "NotSignedIn");
    return this.user;
  }

  private async fresh(): Promise<SessionPort> {
    const s = await sessionOf(this.need());
    this.session = s;
    return s;
  }

  private step(start: (cb: AuthCallbacks) => void): Promise<Step> {
    const u = this.need();
    return new Promise<Step>((resolve, reject) => {
      const unsupported = (what: string) => () =>
        reject(new AuthError(`This account signs in with ${what}, which the console does not support: use an authenticator app (TOTP).`, "UnsupportedChallenge"));
      start({
        onSuccess: (s) => {
          this.session = s;
          resolve({ kind: "signedIn" });
        },
        onFailure: (e) => reject(authError(e)),
        newPasswordRequired: () => resolve({ kind: "newPassword" }),
        totpRequired: () => resolve({ kind: "totp" }),
        mfaSetup: () => {
          associate(u).then(
            (secret) => resolve({ kind: "mfaSetup", secret, uri: otpauthUri(secret, this.emailHint(), this.issuer) }),
            reject,
          );
        },
        mfaRequired: unsupported("SMS codes"),
        selectMFAType: unsupported("a choice of second factors"),
        customChallenge: unsupported("a custom challenge"),
      });
    });
  }

  private emailHint(): string {
    return this.email() || this.signingIn;
  }
}

function sessionOf(u: UserPort): Promise<SessionPort> {
  return new Promise((resolve, reject) =>
    u.getSession((err, s) => (err || !s ? reject(authError(err ?? new Error("no session"))) : resolve(s))),
  );
}

function associate(u: UserPort): Promise<string> {
  return new Promise((resolve, reject) =>
    u.associateSoftwareToken({ associateSecretCode: resolve, onFailure: (e) => reject(authError(e)) }),
  );
}

/** The Key URI Format authenticator apps read (as the CLI's otpauthURI). */
export function otpauthUri(secret: string, account: string, issuer: string): string {
  const q = new URLSearchParams({ secret, issuer });
  return `otpauth://totp/${encodeURIComponent(`${issuer}:${account}`)}?${q.toString()}`;
}
