import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, type ImportPreviewRow } from "../api";
import { FakeApi, FakeClock, MemStorage, settle, type Step } from "./fake";
import { Ledger, type Result } from "./ledger";
import { ImportRun, NotSent, backoff, counts, type Options } from "./runner";

const env = "dev";
const pool = "eu-west-1_Test";
const hash = "ab".repeat(32);

function row(line: number, email: string, groups: string[] = []): ImportPreviewRow {
  return { line, email, create: { email, groups } };
}

/** A tab: the API and storage outlive it; the clock and the run are its own. */
function world() {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  const storage = new MemStorage();
  return {
    clock,
    api,
    storage,
    ledger: () => Ledger.open(storage, env, pool, hash, "users.csv", 0, clock.now()),
    run(rows: ImportPreviewRow[], opt: Options = {}) {
      return new ImportRun(api, this.ledger(), rows, { clock: this.clock, concurrency: 1, ...opt });
    },
  };
}

function outcomes(rs: Result[]): Record<string, string> {
  return Object.fromEntries(rs.map((r) => [r.email, r.outcome]));
}

test("each valid row is created once, its start paced at the configured rate across the requests in flight", async () => {
  const w = world();
  const t0 = w.clock.now();
  const s = await w.run([row(2, "a@x.com"), row(3, "b@x.com", ["staff"]), row(4, "c@x.com")], { rate: 5, concurrency: 4 }).run();
  assert.deepEqual(outcomes(s.results), { "a@x.com": "created", "b@x.com": "created", "c@x.com": "created" });
  assert.deepEqual(w.api.calls.map((c) => c.at - t0), [0, 200, 400]);
  assert.deepEqual(w.api.users.get("b@x.com")!.user.groups, ["staff"]);
  assert.equal(s.stopped, false);
  assert.equal(w.ledger().finished(), 3);
});

test("a row the preview refused is reported invalid with its code and never sent", async () => {
  const w = world();
  const s = await w.run([{ line: 2, email: "bad", code: "InvalidEmail", message: "not an email" }, row(3, "a@x.com")]).run();
  assert.deepEqual(s.results[0], { line: 2, email: "bad", outcome: "invalid", code: "InvalidEmail", message: "not an email" });
  assert.deepEqual(w.api.calls.map((c) => c.email), ["a@x.com"]);
});

test("a 429 waits exactly its Retry-After, then sends the same row again, without asking whether it was created", async () => {
  const w = world();
  w.api.script.set("a@x.com", [{ status: 429, code: "TooManyRequests", retryAfter: 3 }]);
  const t0 = w.clock.now();
  const s = await w.run([row(2, "a@x.com")], { rate: 5 }).run();
  assert.deepEqual(w.api.sends("a@x.com").map((t) => t - t0), [0, 3000]);
  assert.deepEqual(w.clock.sleeps, [3000]);
  assert.equal(w.api.calls.filter((c) => c.op === "get").length, 0);
  assert.equal(s.results[0].outcome, "created");
});

test("a 429 holds every row of the run, not only its own, until its Retry-After has passed", async () => {
  const w = world();
  w.api.script.set("a@x.com", [{ status: 429, retryAfter: 2 }]);
  const t0 = w.clock.now();
  await w.run([row(2, "a@x.com"), row(3, "b@x.com")], { rate: 5, concurrency: 2 }).run();
  // b's slot (200 ms) was taken before the 429; after it nothing leaves before 2 s.
  assert.deepEqual(w.api.calls.map((c) => [c.email, c.at - t0]), [["a@x.com", 0], ["b@x.com", 200], ["a@x.com", 2000]]);
});

test("a Retry-After longer than the cap fails the row; a resume sends it again", async () => {
  const w = world();
  w.api.script.set("a@x.com", [{ status: 429, code: "TooManyRequests", retryAfter: 3600 }]);
  const s = await w.run([row(2, "a@x.com")], { maxRetryAfterMs: 60_000 }).run();
  assert.equal(s.results[0].outcome, "failed");
  assert.equal(s.results[0].code, "TooManyRequests");
  assert.match(s.results[0].message!, /Retry-After 3600 s is longer/);
  const again = await w.run([row(2, "a@x.com")]).run();
  assert.equal(again.results[0].outcome, "created");
  assert.equal(w.api.created.get("a@x.com"), 1);
});

test("a 5xx that created nobody: the API is asked first, then the same row is sent again after a backoff", async () => {
  const w = world();
  w.api.script.set("a@x.com", [{ status: 503, code: "ServiceUnavailable" }]);
  const s = await w.run([row(2, "a@x.com")], { rate: 1000 }).run();
  assert.deepEqual(w.api.calls.map((c) => c.op), ["create", "get", "create"]);
  assert.ok(w.clock.sleeps.includes(backoff(1)), `sleeps ${w.clock.sleeps}`);
  assert.equal(s.results[0].outcome, "created");
  assert.equal(w.api.created.get("a@x.com"), 1);
});

test("the backoff after lost answers and 5xx doubles from 200 ms up to a 10 s cap", () => {
  assert.deepEqual([1, 2, 3, 6, 7, 8, 20].map(backoff), [200, 400, 800, 6400, 10_000, 10_000, 10_000]);
});

test("lost answers and 5xx that never end fail the row after maxAttempts, each send asked about first", async () => {
  const w = world();
  w.api.script.set("a@x.com", ["lost", "lost", "lost"]);
  const s = await w.run([row(2, "a@x.com")], { maxAttempts: 3 }).run();
  assert.equal(s.results[0].outcome, "failed");
  assert.match(s.results[0].message!, /gave up after 3 attempts: no answer/);
  assert.deepEqual(w.api.calls.map((c) => c.op), ["create", "get", "create", "get", "create", "get"]);
});

test("a 500 after the user was created is reconciled as created: one invitation, no second create", async () => {
  const w = world();
  w.api.script.set("a@x.com", ["500-after-create"]);
  const s = await w.run([row(2, "a@x.com", ["staff"])]).run();
  assert.equal(s.results[0].outcome, "created");
  assert.match(s.results[0].message!, /created by this import; HTTP 500/);
  assert.deepEqual(w.api.calls.map((c) => c.op), ["create", "get"]);
  assert.equal(w.api.created.get("a@x.com"), 1);
});

test("a lost answer, a read before the lost create landed, then 409: reconciled as created, not exists", async () => {
  const w = world();
  w.api.script.set("a@x.com", ["lost"]);
  w.api.readScript.set("a@x.com", ["404-then-create"]);
  w.api.lateCreate = { email: "a@x.com" };
  const s = await w.run([row(2, "a@x.com")]).run();
  assert.deepEqual(w.api.calls.map((c) => c.op), ["create", "get", "create", "get"]);
  assert.equal(s.results[0].outcome, "created");
  assert.match(s.results[0].message!, /409 after an earlier send/);
  assert.equal(w.api.created.get("a@x.com"), 1);
});

test("a 409 for a user who existed before the import is exists; found after a lost answer, too", async () => {
  const w = world();
  w.api.exists("old@x.com", w.clock.now() - 86_400_000);
  w.api.exists("older@x.com", w.clock.now() - 86_400_000);
  w.api.script.set("older@x.com", ["lost"]);
  const s = await w.run([row(2, "old@x.com"), row(3, "older@x.com")]).run();
  assert.deepEqual(outcomes(s.results), { "old@x.com": "exists", "older@x.com": "exists" });
  assert.equal(s.results[0].code, "UserExists");
  assert.match(s.results[1].message!, /existed before this import/);
  assert.equal(w.api.created.size, 0);
});

test("a user this import created after a lost answer but without a group is failed GroupsMissing, not sent again", async () => {
  const w = world();
  w.api.script.set("a@x.com", ["lost"]);
  w.api.readScript.set("a@x.com", ["ok"]);
  w.api.exists("a@x.com", w.clock.now() + 100, []); // created by the lost request, without its group
  const s = await w.run([row(2, "a@x.com", ["staff"])]).run();
  assert.equal(s.results[0].outcome, "failed");
  assert.equal(s.results[0].code, "GroupsMissing");
  assert.equal(w.api.sends("a@x.com").length, 1);
});

test("a row refused 400 at send time is invalid; 403 is failed; both keep the API's code, message and request id", async () => {
  const w = world();
  w.api.script.set("a@x.com", [{ status: 400, code: "InvalidGroup" }]);
  w.api.script.set("b@x.com", [{ status: 403, code: "Forbidden" }]);
  const s = await w.run([row(2, "a@x.com"), row(3, "b@x.com")]).run();
  assert.deepEqual(s.results, [
    { line: 2, email: "a@x.com", outcome: "invalid", status: 400, code: "InvalidGroup", message: "answered 400", requestId: "req-1" },
    { line: 3, email: "b@x.com", outcome: "failed", status: 403, code: "Forbidden", message: "answered 403", requestId: "req-2" },
  ]);
  // invalid is final: a resume leaves it; failed is tried again.
  await w.run([row(2, "a@x.com"), row(3, "b@x.com")]).run();
  assert.deepEqual(w.api.calls.map((c) => c.email), ["a@x.com", "b@x.com", "b@x.com"]);
});

test("pause holds every request until resume; the rows in flight finish", async () => {
  const w = world();
  const run = w.run([row(2, "a@x.com"), row(3, "b@x.com"), row(4, "c@x.com")], {
    onRow: (r) => r.line === 2 && run.pause(),
  });
  let settled = false;
  const done = run.run().then((s) => ((settled = true), s));
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(run.paused, true);
  assert.deepEqual(w.api.calls.map((c) => c.email), ["a@x.com"]);
  assert.equal(settled, false);
  run.resume();
  const s = await done;
  assert.deepEqual(counts(s.results), { created: 3, exists: 0, invalid: 0, failed: 0, notSent: 0 });
});

test("a 401 stops the import with the API's error; a resume after signing in sends the rest, asking nothing", async () => {
  const w = world();
  w.api.script.set("b@x.com", [{ status: 401, code: "Unauthorized" }]);
  const rows = [row(2, "a@x.com"), row(3, "b@x.com"), row(4, "c@x.com")];
  const s = await w.run(rows).run();
  assert.equal(s.stopped, true);
  assert.ok(s.error instanceof ApiError && s.error.status === 401);
  assert.deepEqual(s.results.map((r) => [r.outcome, r.code ?? ""]), [["created", ""], ["failed", NotSent], ["failed", NotSent]]);
  assert.equal(s.results[2].message, "not sent: the import stopped first");
  const again = await w.run(rows).run();
  assert.deepEqual(counts(again.results), { created: 3, exists: 0, invalid: 0, failed: 0, notSent: 0 });
  assert.deepEqual(w.api.calls.map((c) => c.op + " " + c.email), ["create a@x.com", "create b@x.com", "create b@x.com", "create c@x.com"]);
});

test("a ledger write that fails stops the import before its request leaves", async () => {
  const w = world();
  w.storage.failAfter = 2; // a's send and outcome are written, b's send is not
  const s = await w.run([row(2, "a@x.com"), row(3, "b@x.com")]).run();
  assert.equal(s.stopped, true);
  assert.match((s.error as Error).message, /ledger could not be saved.*QuotaExceededError/);
  assert.deepEqual(w.api.calls.map((c) => c.email), ["a@x.com"]);
  assert.equal(s.results[1].code, NotSent);
});

test("a session that cannot be renewed (no ApiError) stops the import; the row is asked about on resume", async () => {
  const w = world();
  const api = { createUser: () => Promise.reject(new Error("refresh refused")), getUser: (e: string) => w.api.getUser(e) };
  const s = await new ImportRun(api, w.ledger(), [row(2, "a@x.com")], { clock: w.clock }).run();
  assert.equal((s.error as Error).message, "refresh refused");
  assert.match(s.results[0].message!, /creation was uncertain/);
  await w.run([row(2, "a@x.com")]).run();
  assert.deepEqual(w.api.calls.map((c) => c.op), ["get", "create"]);
});

test("a row an earlier tab sent without learning the answer is asked about before anything is sent", async () => {
  const w = world();
  w.ledger().send(2, w.clock.now()); // the tab closed with a's request in flight
  w.api.exists("a@x.com", w.clock.now() + 300);
  w.ledger().send(3, w.clock.now()); // b's request never reached the API
  w.clock.t += 60_000;
  const s = await w.run([row(2, "a@x.com"), row(3, "b@x.com")]).run();
  assert.deepEqual(w.api.calls.map((c) => c.op + " " + c.email), ["get a@x.com", "get b@x.com", "create b@x.com"]);
  assert.deepEqual(outcomes(s.results), { "a@x.com": "created", "b@x.com": "created" });
  assert.match(s.results[0].message!, /earlier request's answer was lost/);
});

test("with the API's clock 30 s behind the browser's, the skew read from a create keeps a lost create reported as created", async () => {
  const w = world();
  w.api.skew = -30_000;
  w.api.script.set("b@x.com", ["500-after-create"]);
  const s = await w.run([row(2, "a@x.com"), row(3, "b@x.com")]).run();
  assert.deepEqual(outcomes(s.results), { "a@x.com": "created", "b@x.com": "created" });
  assert.ok(w.ledger().skew <= -30_000 && w.ledger().skew > -31_000, `skew ${w.ledger().skew}`);
});

// The crash matrix: a tab closed after each ledger write in turn (and the
// request announced by that write delivered or not), then the same file
// imported again in a new tab. Whatever the moment, each user is created at
// most once, the rows finished before are not sent again, and the outcomes
// are those of an import never interrupted.
const scenario = {
  rows: [
    row(2, "a@x.com", ["staff"]),
    row(3, "b@x.com"),
    row(4, "c@x.com"),
    row(5, "d@x.com"),
    row(6, "e@x.com"),
    row(7, "f@x.com"),
    { line: 8, email: "g", code: "InvalidEmail", message: "not an email" },
    row(9, "h@x.com"),
  ] as ImportPreviewRow[],
  script: {
    "c@x.com": ["500-after-create"],
    "d@x.com": [{ status: 429, retryAfter: 2 }],
    "e@x.com": ["lost"],
    // The API's judgement of a row does not change from one send to the next.
    "f@x.com": Array(3).fill({ status: 400, code: "InvalidGroup" }),
    "h@x.com": ["lost-after-create"],
  } as Record<string, Step[]>,
  want: { "a@x.com": "created", "b@x.com": "exists", "c@x.com": "created", "d@x.com": "created", "e@x.com": "created", "f@x.com": "invalid", g: "invalid", "h@x.com": "created" },
};

function scenarioWorld() {
  const w = world();
  w.api.exists("b@x.com", w.clock.now() - 86_400_000);
  for (const [k, v] of Object.entries(scenario.script)) w.api.script.set(k, [...v]);
  w.api.readScript.set("h@x.com", [{ status: 503 }]);
  return w;
}

for (const concurrency of [1, 3]) {
  test(`a crash after every ledger write, then a resume: no create for a user who exists, finished rows not sent again, outcomes right (concurrency ${concurrency})`, async () => {
    const full = scenarioWorld();
    const whole = await full.run(scenario.rows, { concurrency }).run();
    assert.deepEqual(outcomes(whole.results), scenario.want);
    const writes = full.storage.writes;
    assert.ok(writes >= 16, `only ${writes} writes`);
    for (let n = 1; n <= writes; n++) {
      for (const deliver of [false, true]) {
        const at = `crash after write ${n}, ${deliver ? "its request delivered" : "its request lost"}`;
        const w = scenarioWorld();
        w.storage.crashAfter = n;
        w.api.deliverAfterCrash = deliver;
        w.api.mayDeliver = () => w.storage.lostWrites === 0;
        const crashed = new Promise<void>((r) => (w.storage.onCrash = () => {
          w.api.crashed = true;
          w.clock.frozen = true;
          r();
        }));
        const first = w.run(scenario.rows, { concurrency }).run();
        await Promise.race([crashed, first.then(() => assert.fail(`${at}: the run ended first`))]);

        // A new tab, a minute later, with what storage kept.
        const clock = new FakeClock(w.clock.t + 60_000);
        w.api.clock = clock;
        w.api.crashed = false;
        w.storage.crashed = false;
        const ledger = Ledger.open(w.storage, env, pool, hash, "users.csv", 0, clock.now());
        const before = new Set(scenario.rows.filter((r) => ["created", "exists", "invalid"].includes(ledger.get(r.line).result?.outcome ?? "")).map((r) => r.email));
        const from = w.api.calls.length;
        const s = await new ImportRun(w.api, ledger, scenario.rows, { clock, concurrency }).run();

        assert.deepEqual(outcomes(s.results), scenario.want, at);
        // No create reached the API for a user this import had created: none could invite anyone twice.
        for (const [email, n] of w.api.conflicts) assert.ok(email === "b@x.com" && n <= 1, `${at}: ${n} creates of ${email} after it existed`);
        assert.equal(w.api.created.get("b@x.com"), undefined, at);
        const resent = w.api.calls.slice(from).filter((c) => c.op === "create" && before.has(c.email));
        assert.deepEqual(resent, [], `${at}: rows finished before the crash were sent again`);
        assert.equal(s.stopped, false, at);
      }
    }
  });
}
