import { test } from "node:test";
import assert from "node:assert/strict";
import { changeSummary } from "./history";

test("a record's change lists each field that differs, before → after", () => {
  assert.equal(changeSummary({ enabled: true, status: "CONFIRMED" }, { enabled: false, status: "CONFIRMED" }), "enabled: true → false");
  assert.equal(changeSummary({ groups: [] }, { groups: ["staff"] }), "groups: none → staff");
  assert.equal(changeSummary(undefined, { status: "FORCE_CHANGE_PASSWORD" }), "status: — → FORCE_CHANGE_PASSWORD");
  assert.equal(changeSummary(undefined, undefined), "");
});
