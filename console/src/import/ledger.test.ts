import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeApi, FakeClock, MemStorage } from "./fake";
import { Ledger, sha256Hex } from "./ledger";
import { ImportRun } from "./runner";

const t0 = Date.UTC(2025, 0, 1, 9);

test("the ledger's stored form: the file, the pool, and per row the pending send, the uncertain send and the outcome; no create body", () => {
  const s = new MemStorage();
  const l = Ledger.open(s, "prd", "eu-west-1_P", "00ff", "users.csv", 3, t0);
  assert.equal(s.length, 0, "nothing is written before the first event");
  l.send(2, t0);
  l.done({ line: 2, email: "a@x.com", outcome: "created", status: 201 }, t0 + 100, -1500);
  l.send(3, t0 + 200);
  l.answer(3, true, t0 + 300);
  l.send(3, t0 + 500);
  l.send(4, t0 + 600);
  l.answer(4, false, t0 + 700);
  assert.deepEqual(JSON.parse(s.getItem("useradmin-import:v1:prd:eu-west-1_P:00ff")!), {
    v: 1,
    env: "prd",
    pool: "eu-west-1_P",
    hash: "00ff",
    name: "users.csv",
    valid: 3,
    started: t0,
    updated: t0 + 700,
    skew: -1500,
    rows: {
      "2": { r: { line: 2, email: "a@x.com", outcome: "created", status: 201 } },
      "3": { u: t0 + 200, p: t0 + 500 },
      "4": {},
    },
  });
  const again = Ledger.open(s, "prd", "eu-west-1_P", "00ff", "other name.csv", 9, t0 + 999);
  assert.deepEqual(again.get(2).result?.outcome, "created");
  assert.equal(again.get(3).since, t0 + 200, "the first uncertain send");
  assert.equal(again.get(4).since, undefined, "a 429's send created nobody");
  assert.equal(again.skew, -1500);
  assert.equal(again.finished(), 1);
});

test("a row sent by two tabs, neither answered, is this import's when the user was created after the first send", async () => {
  const s = new MemStorage();
  const clock = new FakeClock(t0 + 120_000);
  const api = new FakeApi(clock);
  const l = Ledger.open(s, "dev", "p", "h", "f.csv", 1, t0);
  l.send(2, t0); // the first tab closed with the request in flight
  l.send(2, t0 + 60_000); // the second asked (404: not landed yet), sent again, and closed too
  api.exists("a@x.com", t0 + 1000); // the first request landed
  const r = await new ImportRun(api, Ledger.open(s, "dev", "p", "h", "f.csv", 1, clock.now()), [{ line: 2, email: "a@x.com", create: { email: "a@x.com" } }], { clock }).run();
  assert.equal(r.results[0].outcome, "created");
  assert.deepEqual(api.calls.map((c) => c.op), ["get"]);
});

test("ledgers are listed per environment and pool, newest first, and discarded one by one", () => {
  const s = new MemStorage();
  Ledger.open(s, "dev", "p1", "aa", "one.csv", 1, t0).send(2, t0);
  Ledger.open(s, "dev", "p1", "bb", "two.csv", 1, t0).send(2, t0 + 5);
  Ledger.open(s, "dev", "p2", "cc", "other pool.csv", 1, t0).send(2, t0);
  Ledger.open(s, "stg", "p1", "dd", "other env.csv", 1, t0).send(2, t0);
  s.setItem("unrelated", "{}");
  s.setItem("useradmin-import:v1:dev:p1:ee", "not json");
  assert.deepEqual(Ledger.list(s, "dev", "p1").map((l) => l.name), ["two.csv", "one.csv"]);
  assert.equal(Ledger.exists(s, "dev", "p1", "aa"), true);
  assert.equal(Ledger.exists(s, "dev", "p2", "aa"), false, "another pool's ledger is not this one's");
  Ledger.discard(s, Ledger.key("dev", "p1", "bb"));
  Ledger.discard(s, "unrelated");
  assert.deepEqual(Ledger.list(s, "dev", "p1").map((l) => l.name), ["one.csv"]);
  assert.equal(s.getItem("unrelated"), "{}", "only ledgers are discarded");
});

test("a file is named by the SHA-256 of its bytes", async () => {
  assert.equal(await sha256Hex(new TextEncoder().encode("abc").buffer as ArrayBuffer), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
