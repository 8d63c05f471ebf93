// Sends an import's valid rows, paced, honouring 429 and Retry-After, and
// records every step in the ledger so a closed tab resumes without inviting
// anyone twice. A port of the CLI's engine (cli/bulk/import.go): the same
// outcomes and the same rules for lost answers and 409s, with the API and
// the clock injected so the tests drive it deterministically.
import { ApiError, type CreateUser, type ImportPreviewRow, type User } from "../api";
import { final, type Ledger, type Result } from "./ledger";

export interface ImportApi {
  createUser(c: CreateUser): Promise<User>;
  getUser(email: string): Promise<User>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface Options {
  /** Requests per second, creates and reads together (default 5; Cognito's UserCreation quota is 50/s per account). */
  rate?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Sends (or reads) of a row after lost answers and 5xx before it fails (default 5); 429s do not count. */
  maxAttempts?: number;
  /** The longest Retry-After a row waits out (default 60 s); a longer one fails the row, and a resume tries it again. */
  maxRetryAfterMs?: number;
  clock?: Clock;
  /** Called as each row finishes. */
  onRow?: (r: Result) => void;
}

/** The code of a row the import did not get to. */
export const NotSent = "NotSent";

export interface Summary {
  /** Every row's result, in the file's order. */
  results: Result[];
  /** Why the import stopped early: a 401, a ledger that cannot be written, a session that cannot be renewed. */
  error?: unknown;
  stopped: boolean;
}

// createdAt has whole seconds, and the skew is measured from it.
const sameImportSlack = 2000;
const STOP = Symbol("stop");

export class ImportRun {
  private readonly clock: Clock;
  private readonly rate: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfter: number;
  private nextSlot = 0;
  private pausedBy?: { promise: Promise<void>; resolve: () => void };
  private stopped = false;
  private error: unknown;
  readonly results: Result[];
  private readonly todo: number[] = [];

  constructor(
    private readonly api: ImportApi,
    private readonly ledger: Ledger,
    private readonly rows: ImportPreviewRow[],
    private readonly opt: Options = {},
  ) {
    this.clock = opt.clock ?? realClock;
    this.rate = opt.rate && opt.rate > 0 ? opt.rate : 5;
    this.maxAttempts = opt.maxAttempts ?? 5;
    this.maxRetryAfter = opt.maxRetryAfterMs ?? 60_000;
    this.results = rows.map((r, i) => {
      const prev = ledger.get(r.line).result;
      if (!r.create) return { line: r.line, email: r.email, outcome: "invalid", code: r.code, message: r.message };
      if (prev && final(prev.outcome)) return prev;
      this.todo.push(i);
      return notSent(r, "not sent");
    });
  }

  /** The rows this run will send (or reconcile first). */
  get pending(): number {
    return this.todo.length;
  }

  get paused(): boolean {
    return this.pausedBy !== undefined;
  }

  /** No request starts until resume; those in flight finish and are recorded. */
  pause(): void {
    if (this.pausedBy) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.pausedBy = { promise, resolve };
  }

  resume(): void {
    const p = this.pausedBy;
    this.pausedBy = undefined;
    p?.resolve();
  }

  /** Sends nothing more; rows not finished stay in the ledger for a resume. */
  stop(error?: unknown): void {
    this.stopped = true;
    this.error ??= error;
    this.resume();
  }

  async run(): Promise<Summary> {
    let next = 0;
    const worker = async () => {
      while (next < this.todo.length && !this.stopped) {
        const i = this.todo[next++];
        const res = await this.row(this.rows[i]);
        if (res === STOP) {
          if (this.ledger.get(this.rows[i].line).since !== undefined) {
            this.results[i] = notSent(this.rows[i], "stopped while its creation was uncertain: a resume asks the API first");
          }
          continue;
        }
        this.results[i] = res;
        this.opt.onRow?.(res);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opt.concurrency ?? 4) }, worker));
    for (const i of this.todo) {
      const r = this.results[i];
      if (r.code === NotSent && r.message === "not sent") r.message = "not sent: the import stopped first";
    }
    return { results: this.results, error: this.error, stopped: this.stopped };
  }

  /** Waits for a pause to end and for the pacer's next slot; false when the run stopped. */
  private async go(): Promise<boolean> {
    while (this.pausedBy && !this.stopped) await this.pausedBy.promise;
    if (this.stopped) return false;
    const now = this.clock.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / this.rate;
    if (at > now) await this.clock.sleep(at - now);
    // A pause asked for while waiting holds this request too.
    while (this.pausedBy && !this.stopped) await this.pausedBy.promise;
    return !this.stopped;
  }

  /** A 429: no request of this run starts before its Retry-After has passed. */
  private throttle(ms: number): void {
    this.nextSlot = Math.max(this.nextSlot, this.clock.now() + ms);
  }

  /** Records through the ledger; a write that fails stops the run, since a send it cannot record must not leave. */
  private record(f: () => void): boolean {
    try {
      f();
      return true;
    } catch (e) {
      this.stop(new Error(`the import's ledger could not be saved in this browser's storage: ${(e as Error).message}`));
      return false;
    }
  }

  private finish(r: Result, skew?: number): Result | typeof STOP {
    return this.record(() => this.ledger.done(r, this.clock.now(), skew)) ? r : STOP;
  }

  private async row(r: ImportPreviewRow): Promise<Result | typeof STOP> {
    const create = r.create!;
    let since = this.ledger.get(r.line).since;
    if (since !== undefined) {
      // An earlier tab sent this row and never learnt the answer: ask the API first.
      const d = await this.reconcile(r, since, "an earlier request's answer was lost");
      if (d === STOP) return STOP;
      if (d) return this.finish(d);
    }
    for (let attempts = 0; ; ) {
      if (!(await this.go())) return STOP;
      const sentAt = this.clock.now();
      if (!this.record(() => this.ledger.send(r.line, sentAt))) return STOP;
      let e: unknown;
      try {
        const u = await this.api.createUser(create);
        const created = Date.parse(u.createdAt);
        // The API's clock minus ours, at most: createdAt is whole seconds before the answer came.
        const skew = Number.isNaN(created) ? undefined : created - this.clock.now();
        return this.finish({ line: r.line, email: u.email || r.email, outcome: "created", status: 201 }, skew);
      } catch (err) {
        e = err;
      }
      if (!(e instanceof ApiError)) {
        // No request left (the session could not be renewed): the send stays uncertain, a resume asks first.
        this.stop(e);
        return STOP;
      }
      const amb = e.status === 0 || e.status >= 500;
      if ((amb || e.status === 429 || e.status === 401) && !this.record(() => this.ledger.answer(r.line, amb, this.clock.now()))) return STOP;
      const res = fromError(r, e);
      if (amb) {
        attempts++;
        since ??= sentAt;
        const why = describe(e);
        const d = await this.reconcile(r, since, why);
        if (d === STOP) return STOP;
        if (d) return this.finish(d);
        if (attempts >= this.maxAttempts) {
          return this.finish({ ...res, outcome: "failed", code: res.code || "Unreachable", message: `gave up after ${attempts} attempts: ${why}` });
        }
        await this.clock.sleep(backoff(attempts));
      } else if (e.status === 409 && since !== undefined) {
        // A send of this row may have created the user: its createdAt tells whose the user is.
        const d = await this.reconcile(r, since, "a create answered 409 after an earlier send of this row whose answer was lost");
        if (d === STOP) return STOP;
        return this.finish(d ?? { ...res, outcome: "failed", code: "Inconsistent", message: "the API answered 409 UserExists, then 404 for the same user" });
      } else if (e.status === 409) {
        // Every send of this row was answered that it created nobody: the user existed before.
        return this.finish({ ...res, outcome: "exists" });
      } else if (e.status === 401) {
        this.stop(e);
        return STOP;
      } else if (e.status === 429) {
        const wait = (e.retryAfter ?? 1) * 1000;
        if (wait > this.maxRetryAfter) {
          return this.finish({ ...res, outcome: "failed", message: `${res.message} (Retry-After ${e.retryAfter} s is longer than this import waits; resume later)` });
        }
        this.throttle(wait);
      } else {
        // The API's judgement of this row (400, 403, 404, 422…): sending again cannot change it.
        return this.finish({ ...res, outcome: e.status === 400 || e.status === 422 ? "invalid" : "failed" });
      }
    }
  }

  /**
   * Asks the API whether r's user exists after a create whose answer was
   * lost. null: no such user, the row may be sent. A user created at or after
   * since (corrected by the skew) is this import's: created, never sent again.
   */
  private async reconcile(r: ImportPreviewRow, since: number, why: string): Promise<Result | null | typeof STOP> {
    for (let attempt = 1; ; ) {
      if (!(await this.go())) return STOP;
      let u: User;
      try {
        u = await this.api.getUser(r.email);
      } catch (e) {
        if (!(e instanceof ApiError)) {
          this.stop(e);
          return STOP;
        }
        if (e.status === 404) return null;
        if (e.status === 401) {
          this.stop(e);
          return STOP;
        }
        if (e.status === 429) {
          this.throttle(Math.min((e.retryAfter ?? 1) * 1000, this.maxRetryAfter));
          continue;
        }
        if ((e.status === 0 || e.status >= 500) && attempt < this.maxAttempts) {
          await this.clock.sleep(backoff(attempt++));
          continue;
        }
        const res = fromError(r, e);
        return { ...res, outcome: "failed", code: res.code || "Unreachable", message: `could not tell whether the user was created (${why}): ${describe(e)}; resume to ask again` };
      }
      const base = { line: r.line, email: r.email, status: 200 };
      const created = Date.parse(u.createdAt);
      if (Number.isNaN(created) || created + sameImportSlack < since + this.ledger.skew) {
        return { ...base, outcome: "exists", message: `the user existed before this import (${why})` };
      }
      const missing = (r.create!.groups ?? []).filter((g) => !(u.groups ?? []).includes(g));
      if (missing.length) {
        return { ...base, outcome: "failed", code: "GroupsMissing", message: `created by this import (${why}), but not in ${missing.join(", ")}: add them on the user's page` };
      }
      return { ...base, outcome: "created", message: `created by this import; ${why}` };
    }
  }
}

function notSent(r: ImportPreviewRow, message: string): Result {
  return { line: r.line, email: r.email, outcome: "failed", code: NotSent, message };
}

function fromError(r: ImportPreviewRow, e: ApiError): Result {
  return { line: r.line, email: r.email, outcome: "failed", status: e.status || undefined, code: e.code, message: e.message, requestId: e.requestId };
}

function describe(e: ApiError): string {
  return e.status === 0 ? `no answer: ${e.message}` : `HTTP ${e.status} ${e.code}`;
}

/** The wait before attempt n+1 after a lost answer or a 5xx: 200 ms doubling, at most 10 s. */
export function backoff(n: number): number {
  return Math.min(200 * 2 ** Math.min(n - 1, 6), 10_000);
}

/** Counts of the results by outcome, with the rows not sent apart. */
export function counts(results: Result[]): Record<"created" | "exists" | "invalid" | "failed" | "notSent", number> {
  const c = { created: 0, exists: 0, invalid: 0, failed: 0, notSent: 0 };
  for (const r of results) {
    if (r.code === NotSent) c.notSent++;
    else c[r.outcome]++;
  }
  return c;
}
