// The managed groups (GET /groups) with their descriptions and, for roles,
// their permissions and scope; and one group's members, a page at a time.
import type { View } from "../context";
import { h, replace } from "../dom";
import { isRole } from "../permissions";
import { href } from "../router";
import { formatTime, heading, pagedList, table, yesNo } from "../ui";

const PAGE = 25;

export const renderGroups: View = async (ctx, root) => {
  const errors = h("div", { class: "errors" });
  replace(root, heading("Groups"), errors, h("p", { role: "status" }, "Loading…"));
  try {
    const groups = await ctx.api.groups();
    const rows = groups.map((g) => [
      h("a", { href: href("groups", g.name) }, g.name),
      g.description || "—",
      yesNo(g.admin),
      isRole(g) ? (g.permissions?.length ? g.permissions.join(", ") : "every permission") : "—",
      isRole(g) ? (g.scope?.length ? g.scope.join(", ") : "everyone") : "—",
    ]);
    replace(
      root,
      heading("Groups"),
      errors,
      h("p", { class: "muted" }, "The groups administrators manage. Members of an admin group (a role) may call the admin API with its permissions, for the users in its scope."),
      rows.length ? table("Managed groups", ["Group", "Description", "Admin (role)", "Permissions", "Scope"], rows) : h("p", {}, "No managed groups."),
    );
  } catch (e) {
    replace(root, heading("Groups"), errors);
    ctx.showError(errors, e);
  }
};

export const renderGroup: View = async (ctx, root, [group]) => {
  const list = pagedList({
    showError: ctx.showError,
    loading: "Loading the members…",
    caption: `Members of ${group}`,
    headers: ["Email", "Status", "Enabled", "Created"],
    empty: ["No members on this page; there are more pages.", "No members."],
    fetch: (nextToken) => ctx.api.groupMembers(group, { limit: PAGE, nextToken }).then((p) => ({ items: p.users, nextToken: p.nextToken })),
    row: (u) => [h("a", { href: href("users", u.email) }, u.email), u.status, yesNo(u.enabled), formatTime(u.createdAt)],
  });
  replace(root, heading(`Group ${group}`), h("p", {}, h("a", { href: "#/groups" }, "All groups")), h("div", { class: "actions" }, list.reload), list.status, list.errors, list.results);
  list.load();
};
