// One user: everything the API says about them, and every action the API
// has, each shown only when the caller's permissions allow it (permissions.ts)
// and the user's state makes it possible. The API still decides every call.
import type { Group, PasswordRequest, UpdateUser, User } from "../api";
import type { Context, View } from "../context";
import type { CustomAttribute } from "../config";
import { field, h, replace } from "../dom";
import { passwordProblem } from "../password";
import { allows, isRole, membershipAction, type Action } from "../permissions";
import { href } from "../router";
import { busy, formatTime, heading, problemBox, statusLine, yesNo } from "../ui";

/** The user's state decides which actions make sense (the API answers 409 to the others). */
export function applicable(u: User, self: boolean): Record<Action, boolean> {
  const pending = u.status === "FORCE_CHANGE_PASSWORD";
  const all = {} as Record<Action, boolean>;
  for (const a of ["listUsers", "viewUser", "listGroups", "viewGroup", "createUser", "signOut", "editUser", "assignGroup", "grantRole", "history", "importUsers", "exportUsers"] as Action[]) all[a] = true;
  all.resendInvitation = pending;
  all.disable = u.enabled && !self;
  all.enable = !u.enabled;
  all.deleteUser = !self;
  // The password route is for users who set a password of their own and are enabled; never one's own.
  all.resetPassword = !pending && u.enabled && !self;
  all.temporaryPassword = !pending && u.enabled && !self;
  all.removeMfa = u.mfaEnabled === true;
  return all;
}

/**
 * The edit form's custom attributes: every one the environment declares (with
 * its bounds), then any the user holds that is no longer declared, so a value
 * is never hidden. Sorted by name within each part.
 */
export function attributeFields(declared: CustomAttribute[], held: Record<string, string>): { name: string; type: "String" | "Number"; value: string; maxLength?: number; min?: number; max?: number }[] {
  const byName = [...declared].sort((a, b) => a.name.localeCompare(b.name));
  const out = byName.map((a) => ({ ...a, value: held[a.name] ?? "" }));
  const known = new Set(declared.map((a) => a.name));
  for (const name of Object.keys(held).sort()) if (!known.has(name)) out.push({ name, type: "String", value: held[name] });
  return out;
}

/** The PATCH body for the edit form: only what changed; values can be replaced, not removed. */
export function changes(u: User, form: { givenName: string; familyName: string; attributes: Record<string, string> }): UpdateUser | string {
  const body: UpdateUser = {};
  const given = form.givenName.trim(), family = form.familyName.trim();
  if (given !== (u.givenName ?? "")) {
    if (!given) return "A given name can be replaced, not removed.";
    body.givenName = given;
  }
  if (family !== (u.familyName ?? "")) {
    if (!family) return "A family name can be replaced, not removed.";
    body.familyName = family;
  }
  const attrs: Record<string, string> = {};
  for (const [k, raw] of Object.entries(form.attributes)) {
    const name = k.trim().replace(/^custom:/, "");
    const v = raw.trim();
    if (!name) continue;
    if (v === (u.attributes?.[name] ?? "")) continue;
    if (!v) return `The attribute ${name} can be replaced, not removed.`;
    attrs[name] = v;
  }
  if (Object.keys(attrs).length) body.attributes = attrs;
  return Object.keys(body).length ? body : "Nothing changed.";
}

export const renderUser: View = async (ctx, root, [email]) => {
  const errors = h("div", { class: "errors" });
  replace(root, heading(email), errors, h("p", { role: "status" }, "Loading…"));
  let user: User;
  let groups: Group[] = [];
  try {
    const mayManage = ctx.can("groups:assign") || ctx.can("roles:grant");
    [user, groups] = await Promise.all([ctx.api.getUser(email), mayManage ? ctx.api.groups() : Promise.resolve([])]);
  } catch (e) {
    replace(root, heading(email), errors);
    ctx.showError(errors, e);
    return;
  }
  draw(ctx, root, user, groups);
};

function draw(ctx: Context, root: HTMLElement, user: User, groups: Group[]): void {
  const self = ctx.me.email.toLowerCase() === user.email.toLowerCase();
  const ok = applicable(user, self);
  const may = (a: Action) => allows(ctx.me.permissions, a) && ok[a];
  const errors = h("div", { class: "errors" });
  const status = statusLine();

  /** Runs one action with progress; then shows the user as the API answered (or reads them again). */
  const act: Act = (button, doing, done, fn) => {
    replace(errors);
    void busy(button, status, doing, fn)
      .then(async (u) => {
        const after = u ?? (await ctx.api.getUser(user.email));
        ctx.notify(typeof done === "string" ? done : done(after));
        redraw(after);
      })
      .catch((e) => ctx.showError(errors, e));
  };
  const redraw = (u: User) => {
    draw(ctx, root, u, groups);
    root.querySelector<HTMLElement>("h1")?.focus();
  };
  const button = (text: string, cls: string, onclick: (b: HTMLButtonElement) => void) => {
    const b: HTMLButtonElement = h("button", { type: "button", class: cls }, text);
    b.addEventListener("click", () => onclick(b));
    return b;
  };

  const attrs = Object.entries(user.attributes ?? {});
  const details = h(
    "dl",
    {},
    [
      ["Email", user.email],
      ["Status", user.status],
      ["Enabled", yesNo(user.enabled)],
      ["MFA", user.mfaEnabled === undefined ? "—" : user.mfaEnabled ? "On (authenticator app)" : "Off"],
      ["Given name", user.givenName ?? "—"],
      ["Family name", user.familyName ?? "—"],
      ...attrs.map(([k, v]) => [`${k} (custom)`, v]),
      ["Groups", user.groups?.length ? user.groups.join(", ") : "None"],
      ["Created", formatTime(user.createdAt)],
      ["Last modified", formatTime(user.updatedAt)],
      ["Username", user.username],
    ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );

  const actions: HTMLElement[] = [];
  if (may("resendInvitation"))
    actions.push(button("Resend invitation", "", (b) => act(b, "Sending the invitation…", `A new invitation went to ${user.email}.`, () => ctx.api.resendInvitation(user.email))));
  if (may("resetPassword"))
    actions.push(button("Reset password", "", (b) => act(b, "Resetting the password…", `${user.email} was emailed a code to choose a new password.`, () => ctx.api.password(user.email, { mode: "reset" }))));
  if (may("removeMfa"))
    actions.push(button("Remove MFA", "", (b) => act(b, "Removing MFA…", `MFA is off for ${user.email}.`, () => ctx.api.removeMfa(user.email))));
  if (may("signOut"))
    actions.push(button("Sign out everywhere", "", (b) => act(b, "Signing the user out…", `Every session of ${user.email} was ended.`, () => ctx.api.signOut(user.email))));
  if (may("disable"))
    actions.push(button("Disable", "danger", (b) => act(b, "Disabling…", `${user.email} is disabled.`, () => ctx.api.disable(user.email))));
  if (may("enable"))
    actions.push(button("Enable", "", (b) => act(b, "Enabling…", `${user.email} is enabled.`, () => ctx.api.enable(user.email))));

  const notes: string[] = [];
  if (user.status === "FORCE_CHANGE_PASSWORD" && allows(ctx.me.permissions, "resetPassword"))
    notes.push("This user has not signed in yet: to give them a new temporary password, resend the invitation.");
  if (!user.enabled && allows(ctx.me.permissions, "resetPassword")) notes.push("Enable the user to change their password.");
  if (self) notes.push("This is your own account: you cannot disable or delete it, or reset its password here.");

  replace(
    root,
    heading(user.email),
    errors,
    status,
    h("section", { "aria-labelledby": "details-h" }, h("h2", { id: "details-h" }, "Details"), details),
    may("history") ? h("p", {}, h("a", { href: href("users", user.email, "history") }, "History")) : null,
    actions.length || notes.length
      ? h("section", { "aria-labelledby": "actions-h" }, h("h2", { id: "actions-h" }, "Actions"), notes.map((n) => h("p", { class: "muted" }, n)), h("div", { class: "actions" }, actions))
      : null,
    may("temporaryPassword") ? temporaryPasswordSection(ctx, user, act) : null,
    may("editUser") ? editSection(user, act, ctx) : null,
    allows(ctx.me.permissions, "assignGroup") || allows(ctx.me.permissions, "grantRole") ? groupsSection(ctx, user, groups, act) : null,
    may("deleteUser") ? deleteSection(ctx, user, errors, status) : null,
  );
}

/** done: the confirmation, or how to word it from the user as they are after the action. */
type Act = (button: HTMLButtonElement, doing: string, done: string | ((after: User) => string), fn: () => Promise<User | void>) => void;

/**
 * The confirmation of an add to group. A role's grant also replaces the
 * user's credential (the API resets a confirmed user's password, emails a
 * pending one a new temporary password, and ends their sessions): the
 * admin is told which, from the status the user had before.
 */
export function addedMessage(g: Pick<Group, "name" | "admin" | "permissions">, before: User, after: User): string {
  if (!isRole(g) || before.groups?.includes(g.name)) return `${after.email} was added to ${g.name}.`;
  const granted = `${after.email} now holds the role ${g.name}`;
  switch (before.status) {
    case "CONFIRMED":
      return `${granted}: their password was reset (Cognito emailed them a code to choose a new one) and every session of theirs was ended.`;
    case "FORCE_CHANGE_PASSWORD":
      return `${granted}: they were emailed a new temporary password and every session of theirs was ended.`;
    default:
      return `${granted}: every session of theirs was ended; their status is ${after.status}.`;
  }
}

function temporaryPasswordSection(ctx: Context, user: User, act: Act): HTMLElement {
  const generate = h("input", { type: "radio", name: "tp-mode", value: "generate", checked: true });
  const give = h("input", { type: "radio", name: "tp-mode", value: "give" });
  const pw = h("input", { type: "text", name: "temporary-password", autocomplete: "off", spellcheck: false });
  const email = h("input", { type: "checkbox", name: "tp-email", checked: true });
  const pwField = field("Temporary password", pw, "Must meet the pool's password policy. Role holders only get generated, emailed passwords.");
  const sync = () => (pwField.hidden = !give.checked);
  generate.addEventListener("change", sync);
  give.addEventListener("change", sync);
  sync();
  const problems = h("div", {});
  const submit: HTMLButtonElement = h("button", { type: "submit" }, "Set temporary password");
  const form = h(
    "form",
    {},
    h(
      "fieldset",
      {},
      h("legend", {}, "Password"),
      h("div", { class: "choice" }, generate, h("label", { for: (generate.id = "tp-generate") }, "Generated by Cognito")),
      h("div", { class: "choice" }, give, h("label", { for: (give.id = "tp-give") }, "One I give")),
    ),
    pwField,
    h("div", { class: "choice" }, email, h("label", { for: (email.id = "tp-email") }, "Email it to the user")),
    problems,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    replace(problems);
    const body: PasswordRequest = { mode: "temporary", sendInvitation: email.checked };
    if (give.checked) {
      const problem = passwordProblem(pw.value, ctx.config.passwordPolicy);
      if (problem) {
        replace(problems, problemBox(problem));
        pw.focus();
        return;
      }
      body.temporaryPassword = pw.value;
    } else if (!email.checked) {
      replace(problems, problemBox("A generated password that is not emailed would be known to nobody: email it, or give one."));
      return;
    }
    act(submit, "Setting a temporary password…", email.checked ? `${user.email} was emailed a new temporary password.` : `${user.email} has the temporary password you gave.`, async () => {
      const u = await ctx.api.password(user.email, body);
      pw.value = "";
      return u;
    });
  });
  return h("section", { "aria-labelledby": "tp-h" }, h("h2", { id: "tp-h" }, "New temporary password"), h("p", { class: "muted" }, "The user is signed out everywhere and sets a new password at their next sign-in."), form);
}

function editSection(user: User, act: Act, ctx: Context): HTMLElement {
  const given = h("input", { type: "text", name: "given-name", value: user.givenName ?? "", autocomplete: "off" });
  const family = h("input", { type: "text", name: "family-name", value: user.familyName ?? "", autocomplete: "off" });
  const attrInputs = attributeFields(ctx.config.customAttributes ?? [], user.attributes ?? {}).map(
    (a) => [a.name, h("input", { type: a.type === "Number" ? "number" : "text", name: `attr-${a.name}`, value: a.value, autocomplete: "off", maxLength: a.maxLength, min: a.min, max: a.max })] as const,
  );
  const problems = h("div", {});
  const submit: HTMLButtonElement = h("button", { type: "submit" }, "Save changes");
  const form = h(
    "form",
    {},
    field("Given name", given),
    field("Family name", family),
    attrInputs.map(([k, input]) => field(`${k} (custom attribute)`, input)),
    problems,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    replace(problems);
    const attributes: Record<string, string> = Object.fromEntries(attrInputs.map(([k, i]) => [k, i.value]));
    const body = changes(user, { givenName: given.value, familyName: family.value, attributes });
    if (typeof body === "string") {
      replace(problems, problemBox(body));
      return;
    }
    act(submit, "Saving…", `${user.email} was updated.`, () => ctx.api.updateUser(user.email, body));
  });
  return h("section", { "aria-labelledby": "edit-h" }, h("h2", { id: "edit-h" }, "Edit"), form);
}

function groupsSection(ctx: Context, user: User, groups: Group[], act: Act): HTMLElement {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const mayChange = (g: Group) => allows(ctx.me.permissions, membershipAction(g));
  const confirmSlot = h("div", {});
  const current = user.groups ?? [];

  /** A role change is confirmed first: it grants or removes API powers (and a grant replaces the user's credential). */
  const confirmRole = (g: Group, adding: boolean, run: () => void) => {
    const yes: HTMLButtonElement = h("button", { type: "button", class: "danger" }, adding ? `Grant role ${g.name}` : `Remove role ${g.name}`);
    const no: HTMLButtonElement = h("button", { type: "button", class: "secondary" }, "Cancel");
    yes.addEventListener("click", () => {
      replace(confirmSlot);
      run();
    });
    no.addEventListener("click", () => replace(confirmSlot));
    const perms = g.permissions?.length ? g.permissions.join(", ") : "every permission";
    replace(
      confirmSlot,
      h(
        "div",
        { class: "confirm", role: "group", "aria-labelledby": "confirm-h" },
        h("h3", { id: "confirm-h" }, adding ? `Grant the role ${g.name} to ${user.email}?` : `Remove the role ${g.name} from ${user.email}?`),
        h("p", {}, `${g.name} may call the admin API with: ${perms}${g.scope?.length ? `, for members of ${g.scope.join(", ")}` : ""}.`),
        adding ? h("p", {}, "Granting it also replaces the user's credential: they get a reset code or a new temporary password by email, and every session of theirs ends.") : null,
        h("div", { class: "actions" }, yes, no),
      ),
    );
    yes.focus();
  };

  const rows = current.map((name) => {
    const g = byName.get(name);
    let control: Node | string = g ? "" : "Not managed here";
    if (g && mayChange(g)) {
      const b: HTMLButtonElement = h("button", { type: "button", class: "secondary" }, `Remove from ${name}`);
      const run = () => act(b, `Removing from ${name}…`, `${user.email} was removed from ${name}.`, () => ctx.api.removeFromGroup(user.email, name));
      b.addEventListener("click", () => (isRole(g) ? confirmRole(g, false, run) : run()));
      control = b;
    }
    return h("li", {}, h("span", {}, name, g && isRole(g) ? " (role)" : ""), " ", control);
  });

  const addable = groups.filter((g) => !current.includes(g.name) && mayChange(g));
  let add: HTMLElement | null = null;
  if (addable.length) {
    const select = h("select", { name: "add-group" }, h("option", { value: "" }, "Choose a group"), addable.map((g) => h("option", { value: g.name }, isRole(g) ? `${g.name} (role)` : g.name)));
    const b: HTMLButtonElement = h("button", { type: "submit" }, "Add to group");
    add = h("form", { class: "row" }, field("Group to add", select), h("div", { class: "actions" }, b));
    add.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const g = byName.get(select.value);
      if (!g) return;
      const run = () => act(b, `Adding to ${g.name}…`, (after) => addedMessage(g, user, after), () => ctx.api.addToGroup(user.email, g.name));
      if (isRole(g)) confirmRole(g, true, run);
      else run();
    });
  }
  return h(
    "section",
    { "aria-labelledby": "groups-h" },
    h("h2", { id: "groups-h" }, "Group membership"),
    rows.length ? h("ul", { class: "groups" }, rows) : h("p", {}, "In no group."),
    add,
    confirmSlot,
  );
}

function deleteSection(ctx: Context, user: User, errors: HTMLElement, status: HTMLElement): HTMLElement {
  const typed = h("input", { type: "text", name: "confirm-email", autocomplete: "off", spellcheck: false });
  const b: HTMLButtonElement = h("button", { type: "submit", class: "danger" }, "Delete user");
  const matches = () => typed.value.trim().toLowerCase() === user.email.toLowerCase();
  b.disabled = true;
  typed.addEventListener("input", () => (b.disabled = !matches()));
  const form = h("form", {}, field("Type the email to confirm", typed, `Deleting cannot be undone. Type ${user.email} to confirm.`), h("div", { class: "actions" }, b));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!matches()) return;
    replace(errors);
    void busy(b, status, "Deleting…", () => ctx.api.deleteUser(user.email))
      .then(() => {
        ctx.notify(`${user.email} was deleted.`);
        ctx.navigate("#/users");
      })
      .catch((e) => {
        b.disabled = !matches();
        ctx.showError(errors, e);
      });
  });
  return h("section", { "aria-labelledby": "delete-h" }, h("h2", { id: "delete-h" }, "Delete"), form);
}
