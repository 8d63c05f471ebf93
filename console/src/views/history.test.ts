import { test } from "node:test";
import assert from "node:assert/strict";
import { actorName, changeSummary } from "./history";

test("a record's change lists each field that differs, before → after", () => {
  assert.equal(changeSummary({ enabled: true, status: "CONFIRMED" }, { enabled: false, status: "CONFIRMED" }), "enabled: true → false");
  assert.equal(changeSummary({ groups: [] }, { groups: ["staff"] }), "groups: none → staff");
  assert.equal(changeSummary(undefined, { status: "FORCE_CHANGE_PASSWORD" }), "status: — → FORCE_CHANGE_PASSWORD");
  assert.equal(changeSummary(undefined, undefined), "");
});

test("the history names an administrator by email and an identity provider's principal with its name", () => {
  assert.equal(actorName({ sub: "s-1", email: "ada@example.com" }), "ada@example.com");
  assert.equal(actorName({ sub: "scim:bearer", idp: "okta" }), "scim:bearer (identity provider okta)");
});
