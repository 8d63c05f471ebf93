import { test } from "node:test";
import assert from "node:assert/strict";
import type { User } from "../api";
import { applyLocal, plan } from "./users";

const f = (o: Partial<{ search: string; status: string; enabled: string; group: string }>) => ({ search: "", status: "", enabled: "", group: "", ...o });

test("the API searches by email prefix, or by status, never both", () => {
  assert.deepEqual(plan(f({ search: " Ad " })), { api: "users", email: "ad", status: undefined, local: {}, notes: [] });
  assert.deepEqual(plan(f({ status: "CONFIRMED" })), { api: "users", email: undefined, status: "CONFIRMED", local: {}, notes: [] });
  const both = plan(f({ search: "ad", status: "CONFIRMED" }));
  assert.equal(both.email, "ad");
  assert.equal(both.status, undefined);
  assert.deepEqual(both.local, { status: "CONFIRMED" });
  assert.match(both.notes[0], /Status filter is applied to the users loaded on this page/);
});

test("the Enabled filter is applied to the loaded page, and says so", () => {
  const p = plan(f({ enabled: "no" }));
  assert.deepEqual(p.local, { enabled: "no" });
  assert.match(p.notes.join(" "), /Enabled filter is applied to the users loaded on this page/);
});

test("a group lists its members; every other filter applies to the loaded page", () => {
  const p = plan(f({ group: "tenant-a", search: "x", enabled: "yes" }));
  assert.equal(p.api, "group");
  assert.deepEqual(p.local, { search: "x", enabled: "yes" });
  assert.match(p.notes[0], /Search, Enabled filters are applied to the members loaded/);
});

test("local filters keep the matching users", () => {
  const u = (email: string, status: string, enabled: boolean) => ({ email, status, enabled }) as User;
  const users = [u("ann@x.com", "CONFIRMED", true), u("bob@x.com", "CONFIRMED", false), u("anna@x.com", "FORCE_CHANGE_PASSWORD", true)];
  assert.deepEqual(applyLocal(users, { enabled: "no" }).map((x) => x.email), ["bob@x.com"]);
  assert.deepEqual(applyLocal(users, { search: "ann", status: "CONFIRMED" }).map((x) => x.email), ["ann@x.com"]);
  assert.equal(applyLocal(users, {}).length, 3);
});
