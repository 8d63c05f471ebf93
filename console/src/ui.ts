// Pieces every view shares: the error box, progress on long actions, paging,
// dates. All build DOM with h(): nothing the API says becomes markup.
import { ApiError } from "./api";
import { h, replace } from "./dom";

/** The parts of an error a person needs: what happened, its code, and the request id to quote. */
export function describeError(e: unknown): { message: string; code?: string; requestId?: string } {
  if (e instanceof ApiError) return { message: e.message, code: e.code, requestId: e.requestId };
  const err = e as { message?: string; code?: string };
  return { message: err?.message || String(e), code: err?.code };
}

/** An error as the console shows it: role="alert", with the code and request id in its text. */
export function errorBox(e: unknown): HTMLElement {
  const d = describeError(e);
  const facts = [d.code && `Code: ${d.code}`, d.requestId && `Request id: ${d.requestId}`].filter(Boolean).join(" · ");
  return h("div", { class: "error", role: "alert" }, h("p", {}, d.message), facts ? h("p", { class: "facts" }, facts) : null);
}

/** A message for a person from a role="alert" box (a refused form, say). */
export function problemBox(message: string): HTMLElement {
  return h("div", { class: "error", role: "alert" }, h("p", {}, message));
}

/**
 * Runs a long action: the button is disabled and the status says what is
 * happening until it ends, so nobody sends it twice or wonders.
 */
export async function busy<T>(button: HTMLButtonElement, status: HTMLElement, doing: string, fn: () => Promise<T>): Promise<T> {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  status.textContent = doing;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    status.textContent = "";
  }
}

/** A status line for busy(): a polite live region next to the controls. */
export function statusLine(): HTMLElement {
  return h("p", { class: "status", role: "status" });
}

export function formatTime(iso?: string): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function yesNo(b: boolean | undefined): string {
  return b === undefined ? "—" : b ? "Yes" : "No";
}

/**
 * Token paging: the tokens of the pages before this one, so "Previous page"
 * goes back as "Next page" went forward (the API's tokens only go forward).
 */
export class Pager {
  private stack: (string | undefined)[] = [];
  current: string | undefined;
  next: string | undefined;

  reset(): void {
    this.stack = [];
    this.current = undefined;
    this.next = undefined;
  }
  /** Moves to the next page; its token is what to ask for. */
  forward(): string | undefined {
    this.stack.push(this.current);
    this.current = this.next;
    return this.current;
  }
  /** Moves back one page; its token is what to ask for. */
  back(): string | undefined {
    this.current = this.stack.pop();
    return this.current;
  }
  get hasPrevious(): boolean {
    return this.stack.length > 0;
  }
  get hasNext(): boolean {
    return !!this.next;
  }
  /** Page number, from 1. */
  get page(): number {
    return this.stack.length + 1;
  }
}

/** The "Previous page" / "Next page" buttons of a pager; load(token) reads the page. */
export function pagerControls(p: Pager, load: (token: string | undefined) => void): HTMLElement {
  const prev = h("button", { type: "button", class: "secondary", onclick: () => load(p.back()) }, "Previous page");
  const next = h("button", { type: "button", class: "secondary", onclick: () => load(p.forward()) }, "Next page");
  prev.disabled = !p.hasPrevious;
  next.disabled = !p.hasNext;
  return h("nav", { class: "pager", "aria-label": "Pages" }, prev, h("span", { class: "muted" }, `Page ${p.page}`), next);
}

/** A table with a caption and column headers. */
export function table(caption: string, headers: string[], rows: (Node | string)[][]): HTMLTableElement {
  return h(
    "table",
    {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
  );
}

/** A heading a view starts with (the app moves focus to it). */
export function heading(text: string): HTMLHeadingElement {
  return h("h1", { tabindex: "-1" }, text);
}

/** Clears a slot (errors, say). */
export function clear(el: HTMLElement): void {
  replace(el);
}

/** What pagedList shows: one page read by fetch, its items as table rows. */
export interface PagedList<T> {
  /** Where an error is shown (ctx.showError). */
  showError: (where: HTMLElement, e: unknown) => void;
  /** Said while a page loads, e.g. "Loading the members…". */
  loading: string;
  /** The table's caption; ", page N" follows. */
  caption: string;
  headers: string[];
  /** Said when a page has no items: [when more pages follow, when it is the last]. */
  empty: [string, string];
  fetch: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string }>;
  row: (item: T) => (Node | string)[];
}

/**
 * A list read a page at a time through nextToken, with "Reload", "Previous
 * page" and "Next page": the parts to place in the view, and load() to read
 * the first page.
 */
export function pagedList<T>(o: PagedList<T>): { reload: HTMLButtonElement; status: HTMLElement; errors: HTMLElement; results: HTMLElement; load: () => void } {
  const errors = h("div", { class: "errors" });
  const status = statusLine();
  const results = h("div", {});
  const reload: HTMLButtonElement = h("button", { type: "button", class: "secondary" }, "Reload");
  const pager = new Pager();
  const load = (token: string | undefined) => {
    replace(errors);
    void busy(reload, status, o.loading, async () => {
      const page = await o.fetch(token);
      pager.next = page.nextToken;
      const rows = page.items.map(o.row);
      replace(
        results,
        rows.length ? table(`${o.caption}, page ${pager.page}`, o.headers, rows) : h("p", {}, page.nextToken ? o.empty[0] : o.empty[1]),
        pagerControls(pager, load),
      );
    }).catch((e) => o.showError(errors, e));
  };
  reload.addEventListener("click", () => {
    pager.reset();
    load(undefined);
  });
  return { reload, status, errors, results, load: () => load(undefined) };
}
