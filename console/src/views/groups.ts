// The managed groups (GET /groups) with their descriptions and, for roles,
// their permissions and scope; and one group's members, a page at a time.
import type { View } from "../context";
import { h, replace } from "../dom";
import { isRole } from "../permissions";
import { href } from "../router";
import { Pager, busy, formatTime, heading, pagerControls, statusLine, table, yesNo } from "../ui";

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
  const errors = h("div", { class: "errors" });
  const status = statusLine();
  const results = h("div", {});
  const reload: HTMLButtonElement = h("button", { type: "button", class: "secondary" }, "Reload");
  const pager = new Pager();
  replace(root, heading(`Group ${group}`), h("p", {}, h("a", { href: "#/groups" }, "All groups")), h("div", { class: "actions" }, reload), status, errors, results);

  const load = (token: string | undefined) => {
    replace(errors);
    void busy(reload, status, "Loading the members…", async () => {
      const page = await ctx.api.groupMembers(group, { limit: PAGE, nextToken: token });
      pager.next = page.nextToken;
      const rows = page.users.map((u) => [h("a", { href: href("users", u.email) }, u.email), u.status, yesNo(u.enabled), formatTime(u.createdAt)]);
      replace(
        results,
        rows.length
          ? table(`Members of ${group}, page ${pager.page}`, ["Email", "Status", "Enabled", "Created"], rows)
          : h("p", {}, page.nextToken ? "No members on this page; there are more pages." : "No members."),
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
