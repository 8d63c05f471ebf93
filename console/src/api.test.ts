import { test } from "node:test";
import assert from "node:assert/strict";
import { Api, ApiError } from "./api";

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const f = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
  }) as unknown as typeof fetch;
  return { f, calls };
}

test("a user's email is one path segment, and the token goes in Authorization", async () => {
  const { f, calls } = fakeFetch(200, { user: { email: "a+b@x.com" } });
  const api = new Api("https://api.example/prod", async () => "tok", f);
  const u = await api.getUser("a+b/@x.com");
  assert.equal(u.email, "a+b@x.com");
  assert.equal(calls[0].url, "https://api.example/prod/users/a%2Bb%2F%40x.com");
  assert.equal((calls[0].init.headers as Record<string, string>).Authorization, "tok");
});

test("an error answer becomes an ApiError with the code, message, request id and Retry-After", async () => {
  const { f } = fakeFetch(429, { error: { code: "TooManyRequests", message: "slow down" }, requestId: "r-1" }, { "Retry-After": "3" });
  const api = new Api("https://api.example/prod/", async () => "tok", f);
  await assert.rejects(api.listUsers({ email: "a" }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.deepEqual([e.status, e.code, e.message, e.requestId, e.retryAfter], [429, "TooManyRequests", "slow down", "r-1", 3]);
    return true;
  });
});

test("an import preview sends the CSV as content and answers the rows", async () => {
  const rows = [{ line: 2, email: "a@x.com", create: { email: "a@x.com", groups: ["staff"] } }];
  const { f, calls } = fakeFetch(200, { rows, valid: 1, invalid: 0 });
  const api = new Api("https://api.example/prod", async () => "tok", f);
  const p = await api.previewImport("email,groups\na@x.com,staff\n");
  assert.deepEqual(p, { rows, valid: 1, invalid: 0 });
  assert.equal(calls[0].url, "https://api.example/prod/imports/preview");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.body, JSON.stringify({ content: "email,groups\na@x.com,staff\n" }));
  assert.equal((calls[0].init.headers as Record<string, string>)["Content-Type"], "application/json");
});
