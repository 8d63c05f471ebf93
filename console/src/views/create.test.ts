import { test } from "node:test";
import assert from "node:assert/strict";
import type { Group } from "../api";
import type { RuntimeConfig } from "../config";
import { assignable, createBody } from "./create";

const config = { passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true } } as RuntimeConfig;
const groups: Group[] = [
  { name: "admins", description: "", admin: true },
  { name: "helpdesk", description: "", admin: true, permissions: ["users:read"] },
  { name: "staff", description: "", admin: false },
  { name: "tenant-a", description: "", admin: false },
];

test("the create body: email trimmed, invitation as chosen, groups when any, a given password only when it meets the policy", () => {
  const base = { email: " new@example.com ", send: true, groups: [], givePassword: false, password: "" };
  assert.deepEqual(createBody(base, { config }), { email: "new@example.com", sendInvitation: true });
  assert.deepEqual(createBody({ ...base, send: false, groups: ["staff"] }, { config }), { email: "new@example.com", sendInvitation: false, groups: ["staff"] });
  assert.match(createBody({ ...base, givePassword: true, password: "short" }, { config }) as string, /at least 12/);
  assert.deepEqual(createBody({ ...base, givePassword: true, password: "Correct-Horse-9" }, { config }), { email: "new@example.com", sendInvitation: true, temporaryPassword: "Correct-Horse-9" });
  assert.match(createBody({ ...base, email: "" }, { config }) as string, /Enter the new user's email/);
  assert.match(createBody({ ...base, email: "nope" }, { config }) as string, /email address/);
});

test("a caller is offered the groups they may assign: roles with roles:grant, others with groups:assign or as their scope", () => {
  assert.deepEqual(assignable(groups, ["users:create", "groups:assign", "roles:grant"], undefined).map((g) => g.name), ["admins", "helpdesk", "staff", "tenant-a"]);
  assert.deepEqual(assignable(groups, ["users:create", "groups:assign"], undefined).map((g) => g.name), ["staff", "tenant-a"]);
  assert.deepEqual(assignable(groups, ["users:create"], ["tenant-a"]).map((g) => g.name), ["tenant-a"]);
  assert.deepEqual(assignable(groups, ["users:create"], undefined), []);
});
