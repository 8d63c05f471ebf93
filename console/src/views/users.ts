// The users list: email prefix search, status, enabled and group filters,
// and token paging. The API filters by email prefix or status (not both) and
// lists a group's members on its own route; whatever it cannot filter is
// applied to the loaded page, and the page says so.
import type { User, UserList } from "../api";
import type { View } from "../context";
import { field, h, replace } from "../dom";
import { href } from "../router";
import { Pager, busy, formatTime, heading, pagerControls, statusLine, table, yesNo } from "../ui";

export const STATUSES = ["FORCE_CHANGE_PASSWORD", "CONFIRMED", "RESET_REQUIRED", "UNCONFIRMED", "ARCHIVED", "COMPROMISED", "EXTERNAL_PROVIDER", "UNKNOWN"];
const PAGE = 25;

export interface Filters {
  search: string;
  status: string;
  /** "" any, "yes" enabled only, "no" disabled only. */
  enabled: string;
  group: string;
}

/** What the API is asked, and what the loaded page is then filtered by (with a note saying so). */
export function plan(f: Filters): { api: "users" | "group"; email?: string; status?: string; local: Partial<Filters>; notes: string[] } {
  const search = f.search.trim().toLowerCase();
  const local: Partial<Filters> = {};
  const notes: string[] = [];
  if (f.group) {
    if (search) local.search = search;
    if (f.status) local.status = f.status;
    if (f.enabled) local.enabled = f.enabled;
    const names = [search && "Search", f.status && "Status", f.enabled && "Enabled"].filter(Boolean);
    if (names.length) notes.push(`The ${names.join(", ")} filter${names.length > 1 ? "s are" : " is"} applied to the members loaded on this page of the group, not to the whole group.`);
    return { api: "group", local, notes };
  }
  if (search && f.status) {
    local.status = f.status;
    notes.push("The API searches by email or by status, not both: the Status filter is applied to the users loaded on this page.");
  }
  if (f.enabled) {
    local.enabled = f.enabled;
    notes.push("The Enabled filter is applied to the users loaded on this page, not to the whole pool.");
  }
  return { api: "users", email: search || undefined, status: search ? undefined : f.status || undefined, local, notes };
}

export function applyLocal(users: User[], local: Partial<Filters>): User[] {
  return users.filter(
    (u) =>
      (!local.search || u.email.toLowerCase().startsWith(local.search)) &&
      (!local.status || u.status === local.status) &&
      (!local.enabled || u.enabled === (local.enabled === "yes")),
  );
}

export const renderUsers: View = async (ctx, root) => {
  const search = h("input", { type: "search", name: "search", autocomplete: "off" });
  const status = h("select", { name: "status" }, h("option", { value: "" }, "Any status"), STATUSES.map((s) => h("option", { value: s }, s)));
  const enabled = h("select", { name: "enabled" }, h("option", { value: "" }, "Enabled or disabled"), h("option", { value: "yes" }, "Enabled only"), h("option", { value: "no" }, "Disabled only"));
  const group = h("select", { name: "group" }, h("option", { value: "" }, "Any group"));
  const apply = h("button", { type: "submit" }, "Apply filters");
  const status_ = statusLine();
  const errors = h("div", { class: "errors" });
  const results = h("div", { class: "results" });
  const pager = new Pager();

  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter users" },
    h("div", { class: "row" }, field("Search", search, "Email starts with"), field("Status", status), field("Enabled", enabled), field("Group", group), h("div", { class: "actions" }, apply)),
  );
  replace(root, heading("Users"), form, status_, errors, results);

  const load = (token: string | undefined) => {
    const f: Filters = { search: search.value, status: status.value, enabled: enabled.value, group: group.value };
    const p = plan(f);
    replace(errors);
    void busy(apply, status_, "Loading users…", async () => {
      let page: UserList;
      if (p.api === "group") page = await ctx.api.groupMembers(f.group, { limit: PAGE, nextToken: token });
      else page = await ctx.api.listUsers({ limit: PAGE, nextToken: token, email: p.email, status: p.status });
      pager.next = page.nextToken;
      const shown = applyLocal(page.users, p.local);
      const rows = shown.map((u) => [
        h("a", { href: href("users", u.email) }, u.email),
        u.status,
        yesNo(u.enabled),
        formatTime(u.createdAt),
        formatTime(u.updatedAt),
      ]);
      replace(
        results,
        p.notes.map((n) => h("p", { class: "muted" }, n)),
        shown.length < page.users.length ? h("p", { class: "muted" }, `${shown.length} of the ${page.users.length} users loaded match.`) : null,
        rows.length
          ? table(`Users, page ${pager.page}`, ["Email", "Status", "Enabled", "Created", "Last modified"], rows)
          : h("p", {}, page.nextToken ? "No matching users on this page; there are more pages." : "No users match."),
        pagerControls(pager, load),
      );
    }).catch((e) => ctx.showError(errors, e));
  };

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    pager.reset();
    load(undefined);
  });
  load(undefined);

  try {
    for (const g of await ctx.api.groups()) group.appendChild(h("option", { value: g.name }, g.name));
  } catch (e) {
    ctx.showError(errors, e);
  }
};
