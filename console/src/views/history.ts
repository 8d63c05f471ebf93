// A user's history: their audit records, newest first, a page at a time
// (GET /users/{email}/history; audit:read only).
import type { AuditRecord, AuditState } from "../api";
import type { View } from "../context";
import { h, replace } from "../dom";
import { href } from "../router";
import { Pager, busy, formatTime, heading, pagerControls, statusLine, table } from "../ui";

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

function outcome(r: AuditRecord): string {
  return [r.outcome, r.status ? String(r.status) : "", r.reason ?? ""].filter(Boolean).join(" · ");
}

export const renderHistory: View = async (ctx, root, [email]) => {
  const errors = h("div", { class: "errors" });
  const status = statusLine();
  const results = h("div", {});
  const reload: HTMLButtonElement = h("button", { type: "button", class: "secondary" }, "Reload");
  const pager = new Pager();
  replace(root, heading(`History of ${email}`), h("p", {}, h("a", { href: href("users", email) }, `Back to ${email}`)), h("div", { class: "actions" }, reload), status, errors, results);

  const load = (token: string | undefined) => {
    replace(errors);
    void busy(reload, status, "Loading the history…", async () => {
      const page = await ctx.api.history(email, { limit: PAGE, nextToken: token });
      pager.next = page.nextToken;
      const rows = page.records.map((r) => [
        formatTime(r.time),
        r.action + (r.group ? ` (${r.group})` : ""),
        r.actor.email ?? r.actor.sub,
        outcome(r),
        changeSummary(r.before, r.after),
        r.requestId,
      ]);
      replace(
        results,
        rows.length
          ? table(`History, page ${pager.page}`, ["Time", "Action", "By", "Outcome", "Changes", "Request id"], rows)
          : h("p", {}, page.nextToken ? "No records on this page; there are more pages." : "No records."),
        pagerControls(pager, load),
      );
    }).catch((e) => ctx.showError(errors, e));
  };
  reload.addEventListener("click", () => {
    pager.reset();
    load(undefined);
  });
  load(undefined);
};
