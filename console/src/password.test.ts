import { test } from "node:test";
import assert from "node:assert/strict";
import { describePolicy, newPasswordProblem, passwordProblem } from "./password";

const strict = { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true };
const loose = { minLength: 6, requireLowercase: false, requireUppercase: false, requireDigits: false, requireSymbols: false };

test("each rule of the policy is named when it is the first one broken", () => {
  const cases: [string, RegExp | undefined][] = [
    ["Aa1!", /at least 12 characters/],
    ["AAAAAAAAAA1!", /lowercase/],
    ["aaaaaaaaaa1!", /uppercase/],
    ["Aaaaaaaaaaa!", /digit/],
    ["Aaaaaaaaaaa1", /symbol/],
    [" Aaaaaaaaaa1!", /begin or end with a space/],
    ["Aaaaaaaaaa1!\u0007", /control characters/],
    ["Aaaaaaaaaa1!\u200b", /invisible formatting/],
    ["Aaaaaaaaaa1!\u200d", undefined],
    ["Aaaaa aaaaa1", undefined], // a space inside counts as a symbol
    ["Correct-Horse-9", undefined],
    ["A".repeat(200) + "a1!" + "x".repeat(60), /at most 256/],
  ];
  for (const [pw, want] of cases) {
    const got = passwordProblem(pw, strict);
    if (want === undefined) assert.equal(got, undefined, JSON.stringify(pw));
    else assert.match(got ?? "", want, JSON.stringify(pw));
  }
});

test("length counts characters, not UTF-16 units, and non-Latin letters count for no class", () => {
  assert.match(passwordProblem("ééééé", loose) ?? "", /at least 6/);
  assert.equal(passwordProblem("éééééé", loose), undefined);
  assert.match(passwordProblem("ÉÉÉÉÉÉÉÉÉÉ1!a", strict) ?? "", /uppercase/);
});

test("a loose policy asks only for the length", () => {
  assert.equal(passwordProblem("abcdef", loose), undefined);
});

test("the new-password form wants the policy met first, then both entries equal", () => {
  assert.match(newPasswordProblem("short", "short", strict) ?? "", /at least 12/);
  assert.match(newPasswordProblem("Correct-Horse-9", "Correct-Horse-8", strict) ?? "", /do not match/);
  assert.equal(newPasswordProblem("Correct-Horse-9", "Correct-Horse-9", strict), undefined);
});

test("the policy is described in words", () => {
  assert.equal(describePolicy(strict), "At least 12 characters, with a lowercase letter, an uppercase letter, a digit and a symbol.");
  assert.equal(describePolicy(loose), "At least 6 characters.");
  assert.equal(describePolicy({ ...loose, requireDigits: true }), "At least 6 characters, with a digit.");
});
