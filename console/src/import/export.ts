// The export: every user as `useradmin users export` writes them (the same
// columns, so the two files compare), each user's managed groups gathered
// first from the members of each managed group rather than read user by
// user (cli/bulk/export.go): about one call per 600 users and per 600
// memberships.
import { ApiError, type Api } from "../api";
import type { Clock } from "./runner";
import { realClock } from "./runner";
import { csvLine, csvSafe } from "./csv";

export const exportColumns = ["email", "status", "enabled", "groups", "createdAt", "updatedAt"];
const pageSize = 600;

export type ExportApi = Pick<Api, "listUsers" | "groups" | "groupMembers">;

export interface ExportProgress {
  /** "groups" while the memberships are read, then "users". */
  phase: "groups" | "users";
  /** Users written so far, or members read so far. */
  count: number;
}

/** The CSV's lines (header first), one page of users at a time; throws the first ApiError that retries cannot get past. */
export async function exportUsers(api: ExportApi, onProgress: (p: ExportProgress) => void = () => {}, clock: Clock = realClock): Promise<string[]> {
  const member = new Map<string, string[]>();
  let read = 0;
  onProgress({ phase: "groups", count: 0 });
  const groups = [...new Set((await retry(clock, () => api.groups())).map((g) => g.name))].sort();
  for (const g of groups) {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await retry(clock, () => api.groupMembers(g, { limit: pageSize, nextToken: token }));
      } catch (e) {
        // A group deleted from the pool since it was listed has no members.
        if (e instanceof ApiError && e.status === 404 && e.code === "GroupNotFound") break;
        throw e;
      }
      for (const u of page.users) {
        const gs = member.get(u.username) ?? [];
        if (!gs.includes(g)) gs.push(g);
        member.set(u.username, gs);
      }
      read += page.users.length;
      onProgress({ phase: "groups", count: read });
      token = page.nextToken;
    } while (token);
  }
  const lines = [csvLine(exportColumns)];
  let token: string | undefined;
  do {
    const page = await retry(clock, () => api.listUsers({ limit: pageSize, nextToken: token }));
    for (const u of page.users) {
      const gs = [...(member.get(u.username) ?? [])].sort();
      lines.push(csvLine([csvSafe(u.email), u.status, String(u.enabled), gs.join(";"), u.createdAt, u.updatedAt]));
    }
    onProgress({ phase: "users", count: lines.length - 1 });
    token = page.nextToken;
  } while (token);
  return lines;
}

/** Runs a read until it succeeds: 429s wait their Retry-After, lost answers and 5xx are tried 5 times with a backoff; any other answer is thrown. */
async function retry<T>(clock: Clock, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; ) {
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 429) await clock.sleep(Math.max((e.retryAfter ?? 0) * 1000, 100));
      else if ((e.status === 0 || e.status >= 500) && attempt < 5) await clock.sleep(Math.min(200 * 2 ** (attempt++ - 1), 5000));
      else throw e;
    }
  }
}
