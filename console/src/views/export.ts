// #/export: every user as a CSV with the columns of `useradmin users export`.
import type { View } from "../context";
import { h, replace } from "../dom";
import { exportColumns, exportUsers } from "../import/export";

let csvUrl: string | undefined;

export const renderExport: View = (ctx, root) => {
  const heading = h("h1", {}, "Export users");
  if (!ctx.can("users:read")) {
    replace(root, heading, h("p", {}, "Your roles do not allow reading users (users:read), so you cannot export."));
    return;
  }
  const button = h("button", { type: "button" }, "Export users");
  const out = h("div", {});
  const errors = h("div", {});
  button.addEventListener("click", async () => {
    button.disabled = true;
    replace(errors);
    const status = h("p", {}, "Reading the groups' members…");
    // Indeterminate: the number of users is only known at the end.
    replace(out, h("label", { for: "export-progress" }, "Export progress"), h("progress", { id: "export-progress" }), status);
    try {
      const lines = await exportUsers(ctx.api, (p) => {
        status.textContent = p.phase === "groups" ? `Reading the groups' members: ${p.count} read.` : `${p.count} users read.`;
      });
      if (csvUrl) URL.revokeObjectURL(csvUrl);
      csvUrl = URL.createObjectURL(new Blob(lines, { type: "text/csv" }));
      const n = lines.length - 1;
      const name = `users-${ctx.config.environment}-${new Date().toISOString().slice(0, 10)}.csv`;
      replace(out, h("p", {}, `${n} users exported.`), h("a", { href: csvUrl, download: name }, "Download CSV"));
      ctx.notify(`${n} users exported: download the CSV.`);
    } catch (e) {
      replace(out, h("p", {}, "The export stopped; nothing was downloaded. Try again."));
      ctx.showError(errors, e);
    } finally {
      button.disabled = false;
    }
  });
  replace(
    root,
    heading,
    h("p", {}, `Every user as CSV, with the columns of useradmin users export: ${exportColumns.join(", ")}. Groups are the managed groups, separated by ;.`),
    h("p", { class: "hint" }, "To import the file again, keep the email and groups columns (the import refuses the others)."),
    h("div", { class: "actions" }, button),
    errors,
    out,
  );
};
