// The API client: one method per route of api/openapi.yaml. Every failure
// is an ApiError carrying the API's code, message and request id, so a view
// can show them; nothing is swallowed here.

export interface User {
  username: string;
  email: string;
  status: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  groups?: string[];
  givenName?: string;
  familyName?: string;
  attributes: Record<string, string>;
  mfaEnabled?: boolean;
}

export interface UserList {
  users: User[];
  nextToken?: string;
}

export interface Group {
  name: string;
  description: string;
  admin: boolean;
  precedence?: number;
  permissions?: string[];
  scope?: string[];
}

export interface Role {
  name: string;
  permissions: string[];
  scope?: string[];
}

export interface Me {
  email: string;
  sub: string;
  roles: string[];
  permissions: string[];
  scope?: string[];
  roleDefinitions: Role[];
}

export interface AuditState {
  status?: string;
  enabled?: boolean;
  groups?: string[];
  givenName?: string;
  familyName?: string;
  attributes?: Record<string, string>;
  mfaEnabled?: boolean;
}

export interface AuditRecord {
  id: string;
  time: string;
  requestId: string;
  actor: { sub: string; email?: string; idp?: string; roles?: string[]; permission?: string };
  action: string;
  target?: string;
  group?: string;
  outcome: string;
  status: number;
  reason?: string;
  before?: AuditState;
  after?: AuditState;
  details?: Record<string, unknown>;
}

export interface AuditPage {
  records: AuditRecord[];
  nextToken?: string;
}

export interface CreateUser {
  email: string;
  temporaryPassword?: string;
  sendInvitation?: boolean;
  groups?: string[];
}

export interface UpdateUser {
  givenName?: string;
  familyName?: string;
  attributes?: Record<string, string>;
}

export type PasswordRequest =
  | { mode: "reset" }
  | { mode: "temporary"; temporaryPassword?: string; sendInvitation?: boolean };

export interface ListQuery {
  limit?: number;
  nextToken?: string;
  email?: string;
  status?: string;
  groups?: boolean;
}

/** One row of POST /imports/preview: `create` when valid, `code` and `message` when not. */
export interface ImportPreviewRow {
  line: number;
  email: string;
  /** The POST /users body to send for the row, as is; never a temporary password. */
  create?: Omit<CreateUser, "temporaryPassword">;
  code?: string;
  message?: string;
}

export interface ImportPreview {
  rows: ImportPreviewRow[];
  valid: number;
  invalid: number;
}

export interface HistoryQuery {
  action?: string;
  limit?: number;
  nextToken?: string;
}

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    /** Seconds from Retry-After on a 429 or 503, when the API sent one. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Gives the current ID token, refreshing it first when it is about to expire. */
export type TokenSource = () => Promise<string>;

export class Api {
  constructor(
    private readonly baseUrl: string,
    private readonly token: TokenSource,
    private readonly fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {}

  me(): Promise<Me> {
    return this.call("GET", "me");
  }
  listUsers(q: ListQuery = {}): Promise<UserList> {
    return this.call("GET", "users" + query({ ...q, groups: q.groups ? "true" : undefined }));
  }
  getUser(email: string): Promise<User> {
    return this.call<{ user: User }>("GET", userPath(email)).then((r) => r.user);
  }
  createUser(body: CreateUser): Promise<User> {
    return this.call<{ user: User }>("POST", "users", body).then((r) => r.user);
  }
  updateUser(email: string, body: UpdateUser): Promise<User> {
    return this.call<{ user: User }>("PATCH", userPath(email), body).then((r) => r.user);
  }
  deleteUser(email: string): Promise<void> {
    return this.call("DELETE", userPath(email));
  }
  resendInvitation(email: string): Promise<User> {
    return this.userAction(email, "invitation");
  }
  disable(email: string): Promise<User> {
    return this.userAction(email, "disable");
  }
  enable(email: string): Promise<User> {
    return this.userAction(email, "enable");
  }
  signOut(email: string): Promise<void> {
    return this.call("POST", userPath(email) + "/sign-out");
  }
  password(email: string, body: PasswordRequest): Promise<User> {
    return this.call<{ user: User }>("POST", userPath(email) + "/password", body).then((r) => r.user);
  }
  removeMfa(email: string): Promise<User> {
    return this.call<{ user: User }>("DELETE", userPath(email) + "/mfa").then((r) => r.user);
  }
  addToGroup(email: string, group: string): Promise<void> {
    return this.call("PUT", `${userPath(email)}/groups/${encodeURIComponent(group)}`);
  }
  removeFromGroup(email: string, group: string): Promise<void> {
    return this.call("DELETE", `${userPath(email)}/groups/${encodeURIComponent(group)}`);
  }
  groups(): Promise<Group[]> {
    return this.call<{ groups: Group[] }>("GET", "groups").then((r) => r.groups);
  }
  groupMembers(group: string, q: { limit?: number; nextToken?: string } = {}): Promise<UserList> {
    return this.call("GET", `groups/${encodeURIComponent(group)}/users` + query(q));
  }
  history(email: string, q: HistoryQuery = {}): Promise<AuditPage> {
    return this.call("GET", userPath(email) + "/history" + query(q));
  }
  /** Checks a CSV with the CLI import's rules and the caller's roles; creates nothing. */
  previewImport(content: string): Promise<ImportPreview> {
    return this.call("POST", "imports/preview", { content });
  }

  private userAction(email: string, action: string): Promise<User> {
    return this.call<{ user: User }>("POST", `${userPath(email)}/${action}`).then((r) => r.user);
  }

  /** Sends one request; exported for the import, which needs the raw status of each create. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: await this.token() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let resp: Response;
    try {
      resp = await this.fetchImpl(this.baseUrl.replace(/\/?$/, "/") + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, "NetworkError", `no answer from the API: ${(e as Error).message}`);
    }
    if (resp.status === 204) return undefined as T;
    const text = await resp.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (resp.ok) return json as T;
    const ra = Number(resp.headers.get("Retry-After"));
    throw new ApiError(
      resp.status,
      json?.error?.code ?? `HTTP${resp.status}`,
      json?.error?.message ?? json?.message ?? (text.slice(0, 200) || resp.statusText),
      json?.requestId ?? resp.headers.get("x-amzn-RequestId") ?? undefined,
      Number.isFinite(ra) && ra > 0 ? ra : undefined,
    );
  }
}

export function userPath(email: string): string {
  return "users/" + encodeURIComponent(email);
}

function query(q: object): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q) as [string, unknown][]) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? "?" + s : "";
}
