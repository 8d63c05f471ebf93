// A user's history: their audit records, newest first, a page at a time
// (GET /users/{email}/history; audit:read only).
import type { AuditRecord, AuditState } from "../api";
import type { View } from "../context";
import { h, replace } from "../dom";
import { href } from "../router";
import { formatTime, heading, pagedList } from "../ui";

const PAGE = 50;

/** What a record changed, in words: each field whose value differs before and after. */
export function changeSummary(before?: AuditState, after?: AuditState): string {
  if (!before && !after) return "";
  const out: string[] = [];
  const show = (v: unknown) => (v === undefined ? "—" : Array.isArray(v) ? (v.length ? v.join(", ") : "none") : typeof v === "object" && v ? JSON.stringify(v) : String(v));
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of keys) {
    const b = (before as Record<string, unknown> | undefined)?.[k];
    const a = (after as Record<string, unknown> | undefined)?.[k];
    if (JSON.stringify(b) !== JSON.stringify(a)) out.push(`${k}: ${show(b)} → ${show(a)}`);
  }
  return out.join("; ");
}

/** Who acted: an administrator's email, else the sub; an identity provider (SCIM) by its name too. */
export function actorName(a: AuditRecord["actor"]): string {
  const who = a.email ?? a.sub;
  return a.idp ? `${who} (identity provider ${a.idp})` : who;
}

function outcome(r: AuditRecord): string {
  return [r.outcome, r.status ? String(r.status) : "", r.reason ?? ""].filter(Boolean).join(" · ");
}

export const renderHistory: View = async (ctx, root, [email]) => {
  const list = pagedList({
    showError: ctx.showError,
    loading: "Loading the history…",
    caption: "History",
    headers: ["Time", "Action", "By", "Outcome", "Changes", "Request id"],
    empty: ["No records on this page; there are more pages.", "No records."],
    fetch: (nextToken) => ctx.api.history(email, { limit: PAGE, nextToken }).then((p) => ({ items: p.records, nextToken: p.nextToken })),
    row: (r) => [formatTime(r.time), r.action + (r.group ? ` (${r.group})` : ""), actorName(r.actor), outcome(r), changeSummary(r.before, r.after), r.requestId],
  });
  replace(root, heading(`History of ${email}`), h("p", {}, h("a", { href: href("users", email) }, `Back to ${email}`)), h("div", { class: "actions" }, list.reload), list.status, list.errors, list.results);
  list.load();
};
