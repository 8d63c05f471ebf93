import { test } from "node:test";
import assert from "node:assert/strict";
import { ACTIONS, allows, holds, membershipAction, navFor } from "./permissions";

// docs/roles.md's permission table and dev roles: the console must agree with them.
const ALL = ["users:read", "users:create", "users:invite", "users:disable", "users:sign-out", "users:delete", "users:password", "users:password:reset", "users:mfa", "users:edit", "groups:assign", "roles:grant", "audit:read"];
const helpdesk = ["users:read", "users:invite", "users:password:reset", "users:mfa", "users:sign-out"];
const auditors = ["users:read", "audit:read"];

test("every action needs a permission the API knows", () => {
  for (const [action, p] of Object.entries(ACTIONS)) assert.ok(ALL.includes(p), `${action}: ${p}`);
});

test("each control maps to its route's permission", () => {
  const want: Record<string, string> = {
    createUser: "users:create", resendInvitation: "users:invite", disable: "users:disable", enable: "users:disable",
    signOut: "users:sign-out", deleteUser: "users:delete", resetPassword: "users:password:reset",
    temporaryPassword: "users:password", removeMfa: "users:mfa", editUser: "users:edit", assignGroup: "groups:assign",
    grantRole: "roles:grant", history: "audit:read", importUsers: "users:create", exportUsers: "users:read", listGroups: "users:read",
  };
  for (const [a, p] of Object.entries(want)) assert.equal(ACTIONS[a as keyof typeof ACTIONS], p, a);
});

test("users:password holds the reset too; the reset alone holds no temporary password", () => {
  assert.ok(holds(["users:password"], "users:password:reset"));
  assert.ok(allows(["users:password"], "resetPassword"));
  assert.ok(allows(helpdesk, "resetPassword"));
  assert.ok(!allows(helpdesk, "temporaryPassword"));
});

test("the helpdesk sees no create, delete, disable, edit, group or history control", () => {
  for (const a of ["createUser", "deleteUser", "disable", "enable", "editUser", "assignGroup", "grantRole", "history", "importUsers"] as const) {
    assert.ok(!allows(helpdesk, a), a);
  }
  for (const a of ["listUsers", "resendInvitation", "removeMfa", "signOut", "exportUsers"] as const) assert.ok(allows(helpdesk, a), a);
});

test("a role's group needs roles:grant, another managed group groups:assign", () => {
  assert.equal(membershipAction({ admin: true }), "grantRole");
  assert.equal(membershipAction({ admin: false, permissions: ["users:read"] }), "grantRole");
  assert.equal(membershipAction({ admin: false }), "assignGroup");
});

test("the header's links follow the permissions", () => {
  assert.deepEqual(navFor(ALL).map((n) => n.label), ["Users", "New user", "Groups", "Import", "Export"]);
  assert.deepEqual(navFor(auditors).map((n) => n.label), ["Users", "Groups", "Export"]);
  assert.deepEqual(navFor([]).map((n) => n.label), []);
});
