// The pool's password policy, checked in the browser before a new password
// is sent, so the form names the rule a password breaks instead of passing
// on Cognito's generic refusal. The same rules, in the same order, as
// lambda/settings PasswordPolicy.Check (Cognito's own).
import type { PasswordPolicy } from "./config";

/** Cognito's characters that count as symbols (a space inside counts too). */
export const SYMBOLS = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/** Cognito's longest password. */
export const MAX_PASSWORD = 256;

/** Returns the first rule password breaks, as a sentence, or undefined when it meets the policy. */
export function passwordProblem(password: string, p: PasswordPolicy): string | undefined {
  const chars = [...password];
  if (chars.length < p.minLength) return `The password must be at least ${p.minLength} characters long.`;
  if (chars.length > MAX_PASSWORD) return `The password must be at most ${MAX_PASSWORD} characters long.`;
  let lower = false, upper = false, digit = false, symbol = false;
  for (const c of chars) {
    // Cognito counts only the basic Latin classes; other characters count for none.
    if (c >= "a" && c <= "z") lower = true;
    else if (c >= "A" && c <= "Z") upper = true;
    else if (c >= "0" && c <= "9") digit = true;
    else if (SYMBOLS.includes(c)) symbol = true;
  }
  if (p.requireLowercase && !lower) return "The password must contain a lowercase letter.";
  if (p.requireUppercase && !upper) return "The password must contain an uppercase letter.";
  if (p.requireDigits && !digit) return "The password must contain a digit.";
  if (p.requireSymbols && !symbol) return `The password must contain a symbol (one of ${SYMBOLS.trim()} or a space inside it).`;
  if (password !== password.trim()) return "The password must not begin or end with a space.";
  if (/\p{Cc}/u.test(password)) return "The password must not contain control characters.";
  // The zero-width joiner is allowed: it is part of emoji a keyboard types.
  if (/(?!\u200d)\p{Cf}/u.test(password)) return "The password must not contain invisible formatting characters.";
  return undefined;
}

/** The new-password form's check: the policy, then that both entries match. */
export function newPasswordProblem(password: string, confirm: string, p: PasswordPolicy): string | undefined {
  return passwordProblem(password, p) ?? (password === confirm ? undefined : "The two passwords do not match.");
}

/** The policy in words, shown beside a new-password field. */
export function describePolicy(p: PasswordPolicy): string {
  const needs = [
    p.requireLowercase && "a lowercase letter",
    p.requireUppercase && "an uppercase letter",
    p.requireDigits && "a digit",
    p.requireSymbols && "a symbol",
  ].filter((x): x is string => !!x);
  const tail = needs.length ? `, with ${needs.length > 1 ? needs.slice(0, -1).join(", ") + " and " + needs[needs.length - 1] : needs[0]}` : "";
  return `At least ${p.minLength} characters${tail}.`;
}
