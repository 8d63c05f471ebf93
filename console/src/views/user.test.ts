import { test } from "node:test";
import assert from "node:assert/strict";
import type { User } from "../api";
import { addedMessage, applicable, attributeFields, changes } from "./user";

const user = (o: Partial<User>): User => ({ username: "u", email: "a@b.com", status: "CONFIRMED", enabled: true, createdAt: "", updatedAt: "", attributes: {}, ...o });

test("a pending user is re-invited, not reset; a confirmed one is reset, not re-invited", () => {
  const pending = applicable(user({ status: "FORCE_CHANGE_PASSWORD" }), false);
  assert.ok(pending.resendInvitation && !pending.resetPassword && !pending.temporaryPassword);
  const confirmed = applicable(user({}), false);
  assert.ok(!confirmed.resendInvitation && confirmed.resetPassword && confirmed.temporaryPassword);
});

test("disable or enable by state; no password change for a disabled user; MFA removal only when on", () => {
  const on = applicable(user({ mfaEnabled: true }), false);
  assert.ok(on.disable && !on.enable && on.removeMfa);
  const off = applicable(user({ enabled: false, mfaEnabled: false }), false);
  assert.ok(!off.disable && off.enable && !off.removeMfa && !off.resetPassword && !off.temporaryPassword);
});

test("one's own account cannot be disabled, deleted or have its password reset here", () => {
  const self = applicable(user({}), true);
  assert.ok(!self.disable && !self.deleteUser && !self.resetPassword && !self.temporaryPassword);
  assert.ok(self.editUser && self.signOut);
});

test("the edit sends only what changed, and refuses to clear a value", () => {
  const u = user({ givenName: "Ada", attributes: { department: "R&D" } });
  assert.deepEqual(changes(u, { givenName: "Ada", familyName: "Lovelace", attributes: { department: "R&D" } }), { familyName: "Lovelace" });
  assert.deepEqual(changes(u, { givenName: " Ada ", familyName: "", attributes: { department: "Ops", "custom:tier": "3" } }), { attributes: { department: "Ops", tier: "3" } });
  assert.equal(changes(u, { givenName: "Ada", familyName: "", attributes: { department: "R&D" } }), "Nothing changed.");
  assert.match(changes(u, { givenName: "", familyName: "", attributes: {} }) as string, /given name can be replaced, not removed/);
  assert.match(changes(u, { givenName: "Ada", familyName: "", attributes: { department: " " } }) as string, /department can be replaced, not removed/);
});

test("adding to a role says how the grant replaced the credential; adding to another group says only that", () => {
  const role = { name: "helpdesk", admin: true, permissions: ["users:read"] };
  const plain = { name: "tenant-a", admin: false };
  assert.equal(addedMessage(plain, user({}), user({ groups: ["tenant-a"] })), "a@b.com was added to tenant-a.");
  assert.match(addedMessage(role, user({}), user({ status: "RESET_REQUIRED" })), /now holds the role helpdesk: their password was reset .* every session of theirs was ended/);
  assert.match(addedMessage(role, user({ status: "FORCE_CHANGE_PASSWORD" }), user({ status: "FORCE_CHANGE_PASSWORD" })), /emailed a new temporary password/);
  assert.match(addedMessage(role, user({ status: "RESET_REQUIRED" }), user({ status: "RESET_REQUIRED" })), /every session of theirs was ended; their status is RESET_REQUIRED/);
  // Already a holder: the API grants nothing and rotates nothing.
  assert.equal(addedMessage(role, user({ groups: ["helpdesk"] }), user({ groups: ["helpdesk"] })), "a@b.com was added to helpdesk.");
});

test("the edit form offers every declared custom attribute with its bounds, then any the user holds that is no longer declared", () => {
  const declared = [
    { name: "level", type: "Number" as const, min: 1, max: 9 },
    { name: "department", type: "String" as const, maxLength: 64 },
  ];
  assert.deepEqual(attributeFields(declared, { level: "3", legacy: "x" }), [
    { name: "department", type: "String", maxLength: 64, value: "" },
    { name: "level", type: "Number", min: 1, max: 9, value: "3" },
    { name: "legacy", type: "String", value: "x" },
  ]);
  assert.deepEqual(attributeFields([], {}), []);
});
