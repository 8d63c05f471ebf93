// The signed-in console: reads GET /me, builds the Context, draws the header
// and routes the hash to the views. A 401 sends the caller back to sign-in
// with a message; MFARequired offers the MFA setup for the signed-in caller.
import { Api, ApiError, type Me } from "./api";
import { Auth } from "./auth";
import { cognitoCall, cognitoEndpoint, cognitoPool } from "./cognito";
import type { RuntimeConfig } from "./config";
import type { Context, View } from "./context";
import { h, replace } from "./dom";
import { allows, holds, navFor, type Action } from "./permissions";
import { parseRoute, titleOf, type RouteName } from "./router";
import { mfaSetupPanel, renderSignIn, setBrand } from "./signin";
import { busy, errorBox, heading } from "./ui";
import { renderCreate } from "./views/create";
import { renderExport } from "./views/export";
import { renderGroup, renderGroups } from "./views/groups";
import { renderHistory } from "./views/history";
import { renderImport } from "./views/import";
import { renderUser } from "./views/user";
import { renderUsers } from "./views/users";

/** Each route's view and the action a caller needs to open it. */
const VIEWS: Record<Exclude<RouteName, "notFound">, { view: View; action: Action }> = {
  users: { view: renderUsers, action: "listUsers" },
  user: { view: renderUser, action: "viewUser" },
  history: { view: renderHistory, action: "history" },
  create: { view: renderCreate, action: "createUser" },
  groups: { view: renderGroups, action: "listGroups" },
  group: { view: renderGroup, action: "viewGroup" },
  import: { view: renderImport, action: "importUsers" },
  export: { view: renderExport, action: "exportUsers" },
};

/** How long a toast stays (it stays in the live region's history for screen readers either way). */
const TOAST_MS = 10000;

export class App {
  private readonly auth: Auth;
  private readonly api: Api;
  private ctx: Context | null = null;
  private readonly onHash = () => void this.route();

  constructor(
    private readonly config: RuntimeConfig,
    private readonly header: HTMLElement,
    private readonly main: HTMLElement,
    private readonly toasts: HTMLElement,
  ) {
    this.auth = new Auth(cognitoPool(config, sessionStorage), cognitoCall(cognitoEndpoint(config)), config.clientId, sessionStorage, config.userPoolId);
    this.api = new Api(config.apiUrl, this.auth.token);
    setBrand(this.brand());
  }

  async start(): Promise<void> {
    if (await this.auth.restore()) await this.enter();
    else this.signIn();
  }

  private signIn(message?: string): void {
    this.ctx = null;
    window.removeEventListener("hashchange", this.onHash);
    // The last account's confirmations are not the next one's business.
    replace(this.toasts);
    replace(this.header, h("span", { class: "brand" }, this.brand()));
    renderSignIn(this.main, this.auth, this.config.passwordPolicy, message, () => void this.enter());
  }

  private brand(): string {
    return `User administration${this.config.environment ? ` (${this.config.environment})` : ""}`;
  }

  /** After sign-in: who the caller is, then the app. */
  private async enter(): Promise<void> {
    replace(this.main, h("p", { role: "status" }, "Loading…"));
    let me: Me;
    try {
      me = await this.api.me();
    } catch (e) {
      return this.refused(e);
    }
    const ctx: Context = {
      config: this.config,
      api: this.api,
      me,
      can: (permission) => holds(me.permissions, permission),
      navigate: (hash) => {
        if (location.hash === hash) void this.route();
        else location.hash = hash;
      },
      showError: (where, e) => this.showError(where, e),
      notify: (message) => this.notify(message),
      storage: localStorage,
    };
    this.ctx = ctx;
    this.drawHeader(me);
    window.addEventListener("hashchange", this.onHash);
    await this.route();
  }

  /** GET /me failed: a 401 back to sign-in, MFARequired to the MFA setup, anything else shown. */
  private async refused(e: unknown): Promise<void> {
    if (e instanceof ApiError && e.status === 401) {
      await this.auth.signOut();
      return this.signIn("Your session has ended: sign in again.");
    }
    if (e instanceof ApiError && e.code === "MFARequired") return this.mfaRequired(e);
    replace(this.header, h("span", { class: "brand" }, this.brand()), this.signOutButton());
    replace(this.main, heading("The console cannot start"), errorBox(e));
    this.main.querySelector("h1")?.focus();
  }

  private async mfaRequired(e: ApiError): Promise<void> {
    replace(this.header, h("span", { class: "brand" }, this.brand()), this.signOutButton());
    try {
      const { secret, uri } = await this.auth.beginMfaSetup();
      mfaSetupPanel(this.main, secret, uri, `This environment requires administrators to use an authenticator app (${e.code}). Set one up for your account here.`, async (code) => {
        await this.auth.finishMfaSetup(code);
        this.notify("Your authenticator app is set up: every sign-in now asks for its code.");
        await this.enter();
      });
    } catch (err) {
      replace(this.main, heading("The console cannot start"), errorBox(e), errorBox(err));
    }
  }

  private drawHeader(me: Me): void {
    const nav = h(
      "nav",
      { "aria-label": "Main" },
      navFor(me.permissions).map((n) => h("a", { href: n.hash }, n.label)),
    );
    replace(
      this.header,
      h("a", { class: "brand", href: "#/users" }, this.brand()),
      nav,
      h("span", { class: "who" }, "Signed in as ", h("strong", {}, me.email)),
      this.signOutButton(),
    );
  }

  private signOutButton(): HTMLButtonElement {
    const b: HTMLButtonElement = h("button", { type: "button", class: "secondary" }, "Sign out");
    b.addEventListener("click", () => {
      const status = h("span", { class: "status", role: "status" });
      b.after(status);
      void busy(b, status, "Signing out…", () => this.auth.signOut()).then((outcome) => {
        const message = {
          revoked: "You are signed out.",
          globalSignOut: "You are signed out: every session of your account was ended.",
          notRevoked: "You are signed out in this tab, but Cognito did not revoke the session: it stays valid until it expires.",
        }[outcome];
        this.signIn(message);
      });
    });
    return b;
  }

  private showError(where: HTMLElement, e: unknown): void {
    if (e instanceof ApiError && e.status === 401) {
      void this.auth.signOut().then(() => this.signIn("Your session has ended: sign in again."));
      return;
    }
    if (e instanceof ApiError && e.code === "MFARequired") {
      void this.mfaRequired(e);
      return;
    }
    replace(where, errorBox(e));
    where.querySelector<HTMLElement>("[role=alert]")?.scrollIntoView?.({ block: "nearest" });
  }

  private notify(message: string): void {
    const t = h("p", { class: "toast" }, message);
    this.toasts.appendChild(t);
    setTimeout(() => t.remove(), TOAST_MS);
  }

  private async route(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) return;
    const r = parseRoute(location.hash);
    document.title = titleOf(r, this.config.environment);
    for (const a of this.header.querySelectorAll("nav a")) {
      const on = parseRoute((a as HTMLAnchorElement).getAttribute("href") ?? "").name === r.name;
      if (on) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    // Each page renders into its own node: a slow view of a page left behind writes nowhere visible.
    const root = h("div", { class: "page" });
    replace(this.main, root);
    if (r.name === "notFound") {
      replace(root, heading("Page not found"), h("p", {}, "No page has this address. "), h("p", {}, h("a", { href: "#/users" }, "Go to the users")));
      this.focus(root);
      return;
    }
    const { view, action } = VIEWS[r.name];
    if (!allows(ctx.me.permissions, action)) {
      replace(root, heading("Not available"), h("p", {}, "Your roles do not allow this page."));
      this.focus(root);
      return;
    }
    let p: void | Promise<void>;
    try {
      p = view(ctx, root, r.params);
    } catch (e) {
      ctx.showError(root, e);
      return;
    }
    this.focus(root);
    try {
      await p;
    } catch (e) {
      ctx.showError(root, e);
    }
    // A view that drew its heading only after loading: focus it now, unless the caller moved on.
    const active = document.activeElement;
    if (!active || active === document.body || active === this.main) this.focus(root);
  }

  /** Moves focus to the page's heading (or main), so keyboard and screen-reader users start there. */
  private focus(root: HTMLElement): void {
    const h1 = root.querySelector<HTMLElement>("h1");
    if (h1) {
      if (!h1.hasAttribute("tabindex")) h1.setAttribute("tabindex", "-1");
      h1.focus();
    } else this.main.focus();
  }
}
