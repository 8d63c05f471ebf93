// Test doubles for the import's tests: a clock whose time moves only when
// every pending piece of work waits on it, a Storage that can crash after
// any write, and an API with scripted answers that counts each user's
// creations (the invitations sent).
import { ApiError, type CreateUser, type User } from "../api";
import type { Clock, ImportApi } from "./runner";

/**
 * Virtual time: sleep(ms) registers a timer, and the earliest timer fires
 * once the event loop has nothing else to run (every fake answer is a
 * resolved promise), so a run takes no real time and its order is fixed.
 */
export class FakeClock implements Clock {
  sleeps: number[] = [];
  frozen = false;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  private scheduled = false;
  constructor(public t = Date.UTC(2025, 0, 1, 9)) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    if (this.frozen) return new Promise(() => {});
    return new Promise((resolve) => {
      this.timers.push({ at: this.t + ms, seq: this.seq++, resolve });
      this.schedule();
    });
  }
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.frozen || this.timers.length === 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const t = this.timers.shift()!;
      this.t = Math.max(this.t, t.at);
      t.resolve();
      if (this.timers.length) this.schedule();
    });
  }
}

/** Lets every piece of work that does not wait on the clock run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

export class MemStorage implements Storage {
  map = new Map<string, string>();
  writes = 0;
  /** The write after which the tab "crashes": later writes are lost, nothing more happens. */
  crashAfter = Infinity;
  failAfter = Infinity;
  onCrash?: () => void;
  crashed = false;
  get length(): number {
    return this.map.size;
  }
  key(i: number): string | null {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  /** Writes tried after the crash (lost). */
  lostWrites = 0;
  setItem(k: string, v: string): void {
    if (this.crashed) {
      this.lostWrites++;
      return;
    }
    if (this.writes >= this.failAfter) throw new Error("QuotaExceededError");
    this.map.set(k, v);
    if (++this.writes === this.crashAfter) {
      this.crashed = true;
      this.onCrash?.();
    }
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
  clear(): void {
    this.map.clear();
  }
}

/**
 * How the API treats one create of an email: "ok" (201, or 409 when the
 * user exists), "lost" (no answer, nothing created), "lost-after-create" and
 * "500-after-create" (created, but the answer is lost or a 500), or an error
 * answer.
 */
export type Step = "ok" | "lost" | "lost-after-create" | "500-after-create" | { status: number; code?: string; retryAfter?: number };
/** How the API treats one read: "ok" (200 or 404), "404-then-create" (404, then the lost create lands), or an error answer. */
export type ReadStep = "ok" | "404-then-create" | { status: number; code?: string; retryAfter?: number };

interface Stored {
  user: User;
}

export class FakeApi implements ImportApi {
  users = new Map<string, Stored>();
  /** Successful creations (invitations) by email. */
  created = new Map<string, number>();
  /** Creates that reached the API for a user who existed (Cognito refuses them; a real double invitation would be one of these). */
  conflicts = new Map<string, number>();
  calls: { op: "create" | "get"; email: string; at: number }[] = [];
  script = new Map<string, Step[]>();
  readScript = new Map<string, ReadStep[]>();
  /** The API's clock minus the browser's. */
  skew = 0;
  crashed = false;
  /**
   * Whether the request whose send was the last write before a crash still
   * reaches the API (its answer never returns). Only that one may: after a
   * crash nothing runs, so no request whose send was not written leaves.
   */
  deliverAfterCrash = false;
  mayDeliver: () => boolean = () => true;
  private delivered = false;
  private seq = 0;
  constructor(public clock: FakeClock) {}

  exists(email: string, createdAt: number, groups: string[] = []): void {
    this.users.set(email, { user: this.user(email, createdAt, groups) });
  }

  private user(email: string, at: number, groups: string[]): User {
    const iso = new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z");
    return { username: `sub-${++this.seq}`, email, status: "FORCE_CHANGE_PASSWORD", enabled: true, createdAt: iso, updatedAt: iso, groups: [...groups].sort(), attributes: {} };
  }

  private create(c: CreateUser): User | undefined {
    if (this.users.has(c.email)) {
      this.conflicts.set(c.email, (this.conflicts.get(c.email) ?? 0) + 1);
      return undefined;
    }
    const u = this.user(c.email, this.clock.now() + this.skew, c.groups ?? []);
    this.users.set(c.email, { user: u });
    this.created.set(c.email, (this.created.get(c.email) ?? 0) + 1);
    return u;
  }

  private afterCrash<T>(apply: () => void): Promise<T> {
    if (this.deliverAfterCrash && !this.delivered && this.mayDeliver()) apply();
    this.delivered = true;
    return new Promise<T>(() => {});
  }

  createUser(c: CreateUser): Promise<User> {
    if (this.crashed) {
      return this.afterCrash(() => {
        this.answerCreate(c).catch(() => {});
      });
    }
    return this.answerCreate(c);
  }

  private async answerCreate(c: CreateUser): Promise<User> {
    this.calls.push({ op: "create", email: c.email, at: this.clock.now() });
    const step = this.script.get(c.email)?.shift() ?? "ok";
    const rid = `req-${this.calls.length}`;
    if (step === "ok") {
      const u = this.create(c);
      if (!u) throw new ApiError(409, "UserExists", "a user with this email exists", rid);
      return structuredClone(u);
    }
    if (step === "lost") throw new ApiError(0, "NetworkError", "no answer from the API: connection reset");
    if (step === "lost-after-create") {
      this.create(c);
      throw new ApiError(0, "NetworkError", "no answer from the API: connection reset");
    }
    if (step === "500-after-create") {
      this.create(c);
      throw new ApiError(500, "InternalError", "internal error", rid);
    }
    throw new ApiError(step.status, step.code ?? `HTTP${step.status}`, `answered ${step.status}`, rid, step.retryAfter);
  }

  /** The create a "404-then-create" read lets land after it. */
  lateCreate?: CreateUser;

  async getUser(email: string): Promise<User> {
    if (this.crashed) return this.afterCrash(() => {});
    this.calls.push({ op: "get", email, at: this.clock.now() });
    const step = this.readScript.get(email)?.shift() ?? "ok";
    if (typeof step === "object") throw new ApiError(step.status, step.code ?? `HTTP${step.status}`, `answered ${step.status}`, `req-${this.calls.length}`, step.retryAfter);
    const u = this.users.get(email);
    if (step === "404-then-create" && this.lateCreate) this.create(this.lateCreate);
    if (!u || step === "404-then-create") throw new ApiError(404, "UserNotFound", "no such user", `req-${this.calls.length}`);
    return structuredClone(u.user);
  }

  sends(email: string): number[] {
    return this.calls.filter((c) => c.op === "create" && c.email === email).map((c) => c.at);
  }
}
