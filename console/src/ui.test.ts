import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "./api";
import { Pager, describeError } from "./ui";

test("the pager goes forward on the API's tokens and back on the ones it kept", () => {
  const p = new Pager();
  assert.equal(p.page, 1);
  assert.ok(!p.hasPrevious && !p.hasNext);
  p.next = "t2";
  assert.equal(p.forward(), "t2");
  p.next = "t3";
  assert.equal(p.forward(), "t3");
  assert.equal(p.page, 3);
  p.next = undefined;
  assert.ok(p.hasPrevious && !p.hasNext);
  assert.equal(p.back(), "t2");
  assert.equal(p.back(), undefined);
  assert.equal(p.page, 1);
  assert.ok(!p.hasPrevious);
});

test("an API error is described with its message, code and request id; another error with its message", () => {
  assert.deepEqual(describeError(new ApiError(409, "UserExists", "user exists", "req-1")), { message: "user exists", code: "UserExists", requestId: "req-1" });
  assert.deepEqual(describeError(Object.assign(new Error("Incorrect username or password."), { code: "NotAuthorizedException" })), { message: "Incorrect username or password.", code: "NotAuthorizedException" });
});
