import { test } from "node:test";
import assert from "node:assert/strict";
import { Api, ApiError, type Group, type User, type UserList } from "../api";
import { csvLine, reportCsv } from "./csv";
import { exportUsers, type ExportProgress } from "./export";
import { FakeClock } from "./fake";

function user(n: number, email = `u${n}@x.com`): User {
  return { username: `sub-${n}`, email, status: "CONFIRMED", enabled: n % 2 === 0, createdAt: `2025-01-0${n}T09:00:00Z`, updatedAt: `2025-01-0${n}T10:00:00Z`, attributes: {} };
}

function group(name: string): Group {
  return { name, description: "", admin: false };
}

test("the export writes the CLI's columns, each user's managed groups read from the groups' members, every page followed", async () => {
  const calls: string[] = [];
  const api = {
    groups: async () => (calls.push("groups"), [group("staff"), group("admins"), group("gone")]),
    groupMembers: async (g: string, q: { limit?: number; nextToken?: string } = {}): Promise<UserList> => {
      calls.push(`members ${g} ${q.limit} ${q.nextToken ?? ""}`);
      if (g === "gone") throw new ApiError(404, "GroupNotFound", "no such group", "r-9");
      if (g === "staff" && !q.nextToken) return { users: [user(1)], nextToken: "s2" };
      if (g === "staff") return { users: [user(3), user(1)] };
      return { users: [user(1)] };
    },
    listUsers: async (q: { limit?: number; nextToken?: string } = {}): Promise<UserList> => {
      calls.push(`users ${q.limit} ${q.nextToken ?? ""}`);
      return q.nextToken ? { users: [user(3, "=cmd|' /C calc'!A0"), user(4, "d, \"quoted\"@x.com")] } : { users: [user(1), user(2)], nextToken: "p2" };
    },
  };
  const progress: ExportProgress[] = [];
  const lines = await exportUsers(api, (p) => progress.push(p), new FakeClock());
  assert.equal(
    lines.join(""),
    "email,status,enabled,groups,createdAt,updatedAt\n" +
      "u1@x.com,CONFIRMED,false,admins;staff,2025-01-01T09:00:00Z,2025-01-01T10:00:00Z\n" +
      "u2@x.com,CONFIRMED,true,,2025-01-02T09:00:00Z,2025-01-02T10:00:00Z\n" +
      "'=cmd|' /C calc'!A0,CONFIRMED,false,staff,2025-01-03T09:00:00Z,2025-01-03T10:00:00Z\n" +
      '"d, ""quoted""@x.com",CONFIRMED,true,,2025-01-04T09:00:00Z,2025-01-04T10:00:00Z\n',
  );
  assert.deepEqual(calls, ["groups", "members admins 600 ", "members gone 600 ", "members staff 600 ", "members staff 600 s2", "users 600 ", "users 600 p2"]);
  assert.deepEqual(progress.at(-1), { phase: "users", count: 4 });
  assert.ok(progress.some((p) => p.phase === "groups" && p.count === 4));
});

test("the export waits out a 429's Retry-After and retries a 5xx, and stops at any other error with the API's code and request id", async () => {
  const clock = new FakeClock();
  let n = 0;
  const answers = [new ApiError(429, "TooManyRequests", "slow down", "r-1", 2), new ApiError(502, "BadGateway", "bad gateway", "r-2")];
  const api = {
    groups: async () => [],
    groupMembers: async (): Promise<UserList> => ({ users: [] }),
    listUsers: async (): Promise<UserList> => {
      if (n < answers.length) throw answers[n++];
      return { users: [user(1)] };
    },
  };
  const lines = await exportUsers(api, undefined, clock);
  assert.equal(lines.length, 2);
  assert.deepEqual(clock.sleeps, [2000, 200]);
  const refused = { ...api, listUsers: () => Promise.reject(new ApiError(403, "Forbidden", "not allowed", "r-3")) };
  await assert.rejects(exportUsers(refused, undefined, clock), (e: unknown) => e instanceof ApiError && e.code === "Forbidden" && e.requestId === "r-3");
});

test("the import's report has the CLI's columns, a row's status, and defused formulas", () => {
  assert.equal(
    reportCsv([
      { line: 2, email: "a@x.com", outcome: "created", status: 201 },
      { line: 3, email: "+b@x.com", outcome: "failed", status: 403, code: "Forbidden", message: "no, \"really\"", requestId: "r-1" },
      { line: 4, email: "c", outcome: "invalid", code: "InvalidEmail", message: "-not an email" },
    ]),
    "row,email,outcome,status,code,message,requestId\n" +
      "2,a@x.com,created,201,,,\n" +
      "3,'+b@x.com,failed,403,Forbidden,\"no, \"\"really\"\"\",r-1\n" +
      "4,c,invalid,,InvalidEmail,'-not an email,\n",
  );
  assert.equal(csvLine([" lead", "\\.", "a\nb", ""]), '" lead","\\.","a\nb",\n');
});

test("previewImport posts the file's text to imports/preview and returns the rows", async () => {
  const seen: { url: string; init: RequestInit }[] = [];
  const f = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return new Response(JSON.stringify({ rows: [{ line: 2, email: "a@x.com", create: { email: "a@x.com", groups: [] } }], valid: 1, invalid: 0 }), { status: 200 });
  }) as unknown as typeof fetch;
  const p = await new Api("https://api.example/prod", async () => "tok", f).previewImport("email\na@x.com\n");
  assert.equal(seen[0].url, "https://api.example/prod/imports/preview");
  assert.equal(seen[0].init.method, "POST");
  assert.deepEqual(JSON.parse(seen[0].init.body as string), { content: "email\na@x.com\n" });
  assert.equal(p.valid, 1);
});
