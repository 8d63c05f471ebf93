import { test } from "node:test";
import assert from "node:assert/strict";
import { href, parseRoute, titleOf } from "./router";

test("every route of the console parses to its view and decoded params", () => {
  const cases: [string, string, string[]][] = [
    ["", "users", []],
    ["#/", "users", []],
    ["#/users", "users", []],
    ["#/users/a%40b.com", "user", ["a@b.com"]],
    ["#/users/a%2Fb%40c.com", "user", ["a/b@c.com"]],
    ["#/users/a%40b.com/history", "history", ["a@b.com"]],
    ["#/create", "create", []],
    ["#/groups", "groups", []],
    ["#/groups/tenant-a", "group", ["tenant-a"]],
    ["#/import", "import", []],
    ["#/export", "export", []],
  ];
  for (const [hash, name, params] of cases) assert.deepEqual(parseRoute(hash), { name, params }, hash);
});

test("anything else is not found, never another route", () => {
  for (const hash of ["#/nope", "#/users/a/b", "#/users/a%40b.com/", "#/users//history", "#/create/x", "#/groups/a/b", "#/users/%E0%A4%A"]) {
    assert.equal(parseRoute(hash).name, "notFound", hash);
  }
});

test("href encodes each segment, and parses back", () => {
  const email = "o'brien+x/y@example.com";
  assert.equal(href("users", email, "history"), "#/users/o'brien%2Bx%2Fy%40example.com/history");
  assert.deepEqual(parseRoute(href("users", email, "history")), { name: "history", params: [email] });
});

test("each page has its own title", () => {
  assert.equal(titleOf(parseRoute("#/users"), "dev"), "Users · User administration (dev)");
  assert.equal(titleOf(parseRoute("#/users/a%40b.com"), ""), "a@b.com · User administration");
  assert.equal(titleOf(parseRoute("#/groups/x"), "prd"), "Group x · User administration (prd)");
});
