// The import's ledger: what became of each row of one file imported into one
// pool, kept in localStorage so a closed tab or a reload resumes where it
// stopped without sending a row twice. The browser's twin of the CLI's
// journal (cli/bulk/journal.go), with the same rules: a send is written
// before its request leaves; an answer that decides the row is written as
// its outcome in one write; the others (5xx, lost, 429, 401) as answers.
// Nothing secret is written: emails, times, codes and messages only.

export type Outcome = "created" | "exists" | "invalid" | "failed";

/** One row's result, as the report shows it (the CLI's report columns). */
export interface Result {
  line: number;
  email: string;
  outcome: Outcome;
  status?: number;
  code?: string;
  message?: string;
  requestId?: string;
}

/** Outcomes a resumed import leaves alone; a failed row is tried again. */
export function final(o: Outcome | undefined): boolean {
  return o === "created" || o === "exists" || o === "invalid";
}

/** A row's state: p, a send not answered yet; u, since when the row's creation is uncertain; r, its outcome. Times in ms of the browser's clock. */
interface RowState {
  p?: number;
  u?: number;
  r?: Result;
}

/** The stored form (localStorage, under Ledger.key). */
export interface LedgerData {
  v: 1;
  env: string;
  pool: string;
  /** SHA-256 of the file's bytes, hex. */
  hash: string;
  /** The file's name, to show which file resumes it. */
  name: string;
  /** The file's valid rows when the import started. */
  valid: number;
  started: number;
  updated: number;
  /** The API's clock minus ours (ms), from the last create's createdAt. */
  skew?: number;
  rows: Record<string, RowState>;
}

const prefix = "useradmin-import:v1:";

export class Ledger {
  private constructor(
    private readonly storage: Storage,
    readonly key: string,
    readonly data: LedgerData,
  ) {}

  static key(env: string, pool: string, hash: string): string {
    return `${prefix}${env}:${pool}:${hash}`;
  }

  /** The ledger of this file in this pool, read from storage, or a new one (written at its first event). */
  static open(storage: Storage, env: string, pool: string, hash: string, name: string, valid: number, now: number): Ledger {
    const key = Ledger.key(env, pool, hash);
    const old = read(storage.getItem(key));
    return new Ledger(storage, key, old ?? { v: 1, env, pool, hash, name, valid, started: now, updated: now, rows: {} });
  }

  /** Whether storage holds a ledger of this file in this pool. */
  static exists(storage: Storage, env: string, pool: string, hash: string): boolean {
    return read(storage.getItem(Ledger.key(env, pool, hash))) !== undefined;
  }

  /** Every ledger of imports into this pool, newest first. */
  static list(storage: Storage, env: string, pool: string): (LedgerData & { key: string })[] {
    const out: (LedgerData & { key: string })[] = [];
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (!k?.startsWith(Ledger.key(env, pool, ""))) continue;
      const d = read(storage.getItem(k));
      if (d) out.push({ ...d, key: k });
    }
    return out.sort((a, b) => b.updated - a.updated);
  }

  static discard(storage: Storage, key: string): void {
    if (key.startsWith(prefix)) storage.removeItem(key);
  }

  /** What the ledger knows of a row: its last outcome, and since when its creation is uncertain (a send never answered, or answered ambiguously). */
  get(line: number): { result?: Result; since?: number } {
    const s = this.data.rows[line];
    if (!s) return {};
    const since = s.u === undefined ? s.p : s.p === undefined ? s.u : Math.min(s.u, s.p);
    return { result: s.r, since };
  }

  get skew(): number {
    return this.data.skew ?? 0;
  }

  /** A create is about to leave (written before it does). */
  send(line: number, at: number): void {
    const s = this.state(line);
    if (s.p !== undefined) this.uncertain(s, s.p); // a send an earlier tab never learnt the answer of
    s.p = at;
    this.write(at);
  }

  /** An answer that does not decide the row: ambiguous (5xx, lost) leaves its send uncertain; 429 and 401 say nothing was created. */
  answer(line: number, ambiguous: boolean, now: number): void {
    const s = this.state(line);
    if (ambiguous && s.p !== undefined) this.uncertain(s, s.p);
    delete s.p;
    this.write(now);
  }

  /** The row's outcome, with the skew measured by its answer when there is one, in one write. */
  done(r: Result, now: number, skew?: number): void {
    const s = this.state(r.line);
    s.r = r;
    delete s.p;
    if (skew !== undefined) this.data.skew = skew;
    this.write(now);
  }

  /** Rows with a final outcome. */
  finished(): number {
    return Object.values(this.data.rows).filter((s) => final(s.r?.outcome)).length;
  }

  private state(line: number): RowState {
    return (this.data.rows[line] ??= {});
  }

  private uncertain(s: RowState, at: number): void {
    if (s.u === undefined || at < s.u) s.u = at;
  }

  private write(now: number): void {
    this.data.updated = now;
    // Throws when storage is full or refused: the runner stops, as a send it cannot record must not leave.
    this.storage.setItem(this.key, JSON.stringify(this.data));
  }
}

function read(text: string | null): LedgerData | undefined {
  if (!text) return undefined;
  try {
    const d = JSON.parse(text) as LedgerData;
    return d?.v === 1 && typeof d.rows === "object" ? d : undefined;
  } catch {
    return undefined;
  }
}

/** SHA-256 of the file's bytes, hex: a ledger is only resumed with the file it was written for. */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
