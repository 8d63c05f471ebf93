// #/import: a CSV checked by the API (POST /imports/preview, the CLI's own
// rules), a preview of every row, then the valid rows sent at a steady
// rate with a ledger in localStorage that makes a closed tab or a reload
// resumable without inviting anyone twice (import/runner.ts, ledger.ts).
import type { ImportPreview, ImportPreviewRow } from "../api";
import type { Context, View } from "../context";
import { field, h, replace } from "../dom";
import { reportCsv } from "../import/csv";
import { Ledger, final, sha256Hex, type Result } from "../import/ledger";
import { ImportRun, counts, type Summary } from "../import/runner";

/** The run of this tab, if any: a new one starts only once it has ended, so two never write one ledger. */
let active: Promise<unknown> | undefined;

export const renderImport: View = (ctx, root) => {
  const { environment: env, userPoolId: pool } = ctx.config;
  const heading = h("h1", {}, "Import users");
  if (!ctx.can("users:create")) {
    replace(root, heading, h("p", {}, "Your roles do not allow creating users (users:create), so you cannot import."));
    return;
  }
  const file = h("input", { type: "file", accept: ".csv,text/csv" });
  const rate = h("input", { type: "number", min: "0.5", max: "50", step: "0.5", value: "5", inputmode: "decimal" });
  const errors = h("div", {});
  const earlier = h("section", { "aria-labelledby": "import-earlier" });
  const preview = h("section", {});
  const running = h("section", {});

  const listEarlier = () => {
    const ledgers = Ledger.list(ctx.storage, env, pool);
    if (!ledgers.length) return replace(earlier);
    replace(
      earlier,
      h("h2", { id: "import-earlier" }, "Earlier imports into this pool"),
      h("p", { class: "hint" }, "To resume an unfinished import, choose the same file again: rows already done are not sent again."),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {}, "Last activity"), h("th", {}, "Rows done"), h("th", {}, "Action"))),
        h(
          "tbody",
          {},
          ledgers.map((l) => {
            const done = Object.values(l.rows).filter((s) => final(s.r?.outcome)).length;
            return h(
              "tr",
              {},
              h("td", {}, l.name),
              h("td", {}, new Date(l.updated).toLocaleString()),
              h("td", {}, `${done} of ${l.valid}${done >= l.valid ? " (finished)" : " (unfinished)"}`),
              h(
                "td",
                {},
                h("button", {
                  type: "button",
                  class: "secondary",
                  "aria-label": `Discard the ledger of ${l.name}`,
                  onclick: () => {
                    Ledger.discard(ctx.storage, l.key);
                    ctx.notify(`Discarded the ledger of ${l.name}: choosing that file again starts over.`);
                    listEarlier();
                  },
                }, "Discard"),
              ),
            );
          }),
        ),
      ),
    );
  };

  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    replace(errors);
    replace(preview);
    replace(running);
    if (!f) return;
    replace(preview, h("p", { role: "status" }, `Checking ${f.name}…`));
    try {
      const bytes = await f.arrayBuffer();
      const hash = await sha256Hex(bytes);
      const [p, admin] = await Promise.all([ctx.api.previewImport(new TextDecoder().decode(bytes)), adminGroups(ctx)]);
      showPreview(f.name, hash, p, admin);
    } catch (e) {
      replace(preview);
      ctx.showError(errors, e);
    }
  });

  const showPreview = (name: string, hash: string, p: ImportPreview, admin: Set<string>) => {
    const resumed = Ledger.exists(ctx.storage, env, pool, hash);
    const ledger = Ledger.open(ctx.storage, env, pool, hash, name, p.valid, Date.now());
    const cells = new Map<number, HTMLElement>();
    let toSend = 0;
    let grants = 0;
    const rows = p.rows.map((r) => {
      const known = ledger.get(r.line);
      let what: string;
      if (!r.create) what = `Refused: ${r.code}: ${r.message}`;
      else if (known.result && final(known.result.outcome)) what = `Done earlier: ${known.result.outcome}`;
      else {
        toSend++;
        const gs = r.create.groups ?? [];
        const admins = gs.filter((g) => admin.has(g));
        if (admins.length) grants++;
        what =
          (known.since !== undefined ? "Ask the API whether an earlier attempt created it, else create" : "Create") +
          (r.create.sendInvitation === false ? ", no invitation" : ", with invitation") +
          (gs.length ? `, groups ${gs.join("; ")}` : ", no groups") +
          (admins.length ? `; grants administrator rights (${admins.join(", ")})` : "");
      }
      const cell = h("td", {}, known.result ? describe(known.result) : "");
      cells.set(r.line, cell);
      return h("tr", {}, h("td", {}, r.line), h("td", {}, r.email), h("td", {}, what), cell);
    });
    const start = h("button", { type: "button" }, "Start import");
    start.disabled = toSend === 0;
    replace(
      preview,
      h("h2", { id: "import-preview", tabindex: "-1" }, `Preview of ${name}`),
      resumed && h("p", { class: "notice" }, `This file was imported into this pool before: ${ledger.finished()} of ${p.valid} valid rows are done and will not be sent again; rows whose answer was lost are asked about first.`),
      h("p", {}, `${p.rows.length} rows: ${toSend} to send, ${p.valid - toSend} done earlier, ${p.invalid} refused (never sent).` + (grants ? ` ${grants === 1 ? "1 row grants" : `${grants} rows grant`} administrator rights.` : "")),
      h("table", { "aria-labelledby": "import-preview" }, h("thead", {}, h("tr", {}, h("th", {}, "Line"), h("th", {}, "Email"), h("th", {}, "What will happen"), h("th", {}, "Result"))), h("tbody", {}, rows)),
      h("div", { class: "actions" }, start),
    );
    (preview.querySelector("#import-preview") as HTMLElement).focus();
    start.addEventListener("click", () => void send(ledger, p.rows, cells, start));
  };

  const send = async (ledger: Ledger, rows: ImportPreviewRow[], cells: Map<number, HTMLElement>, start: HTMLButtonElement) => {
    start.disabled = true;
    replace(earlier); // no discarding a ledger while it is being written
    file.disabled = true;
    rate.disabled = true;
    replace(running, h("p", { role: "status" }, "Starting (after the requests still in flight from an earlier run, if any)…"));
    await active;
    const fresh = Ledger.open(ctx.storage, env, pool, ledger.data.hash, ledger.data.name, ledger.data.valid, Date.now());
    let sent = 0;
    const r = new ImportRun(ctx.api, fresh, rows, {
      rate: Math.min(50, Math.max(0.5, Number(rate.value) || 5)),
      onRow: (res) => {
        cells.get(res.line)!.textContent = describe(res);
        bar.value = ++sent;
        status.textContent = tally(r.results, sent, r.pending);
      },
    });
    const bar = h("progress", { id: "import-progress", max: Math.max(r.pending, 1), value: 0 });
    const status = h("p", {}, tally(r.results, 0, r.pending));
    const pause = h("button", { type: "button", class: "secondary" }, "Pause");
    const report = h("p", {});
    pause.addEventListener("click", () => {
      if (r.paused) {
        r.resume();
        pause.textContent = "Pause";
        replace(report);
        ctx.notify("Import resumed.");
      } else {
        r.pause();
        pause.textContent = "Resume";
        offerReport(report, fresh.data.name, r.results);
        ctx.notify("Import paused: the requests in flight finish, nothing more is sent until you resume.");
      }
    });
    replace(running, h("h2", {}, "Sending"), h("label", { for: "import-progress" }, "Import progress"), bar, status, h("div", { class: "actions" }, pause), report);
    // Leaving the page stops the run; the ledger keeps its place for a resume.
    const leave = () => r.stop();
    window.addEventListener("hashchange", leave, { once: true });
    const done: Promise<Summary> = r.run();
    active = done;
    const s = await done;
    window.removeEventListener("hashchange", leave);
    file.value = ""; // so that choosing the same file again (to retry its failed rows) is a change
    pause.disabled = true;
    file.disabled = false;
    rate.disabled = false;
    for (const res of s.results) cells.get(res.line)!.textContent = describe(res);
    status.textContent = tally(s.results, sent, r.pending);
    offerReport(report, fresh.data.name, s.results);
    if (s.error) ctx.showError(errors, s.error);
    const c = counts(s.results);
    ctx.notify(
      (s.stopped ? "Import stopped: choose the same file to resume. " : "Import finished: ") +
        `${c.created} created, ${c.exists} exist, ${c.invalid} invalid, ${c.failed} failed${c.notSent ? `, ${c.notSent} not sent` : ""}.`,
    );
    listEarlier();
  };

  replace(
    root,
    heading,
    h("p", {}, "Create many users from a CSV file: the API checks every row first and shows what will happen; nothing is sent until you start the import."),
    earlier,
    field("CSV file", file, "Header email,groups,sendInvitation (groups and sendInvitation optional): groups separated by ;, sendInvitation true, false or empty (invitation sent). The format of useradmin users import."),
    field("Requests per second", rate, "The pace of the import: Cognito creates at most 50 users a second per account, shared by every pool."),
    errors,
    preview,
    running,
  );
  listEarlier();
};

/** The managed groups that make their members administrators, to call them out in the preview; none when they cannot be read. */
async function adminGroups(ctx: Context): Promise<Set<string>> {
  if (!ctx.can("users:read")) return new Set();
  try {
    return new Set((await ctx.api.groups()).filter((g) => g.admin).map((g) => g.name));
  } catch {
    return new Set();
  }
}

function describe(r: Result): string {
  let s: string = r.outcome;
  if (r.status) s += ` ${r.status}`;
  if (r.code) s += ` ${r.code}`;
  if (r.message) s += `: ${r.message}`;
  if (r.requestId) s += ` (request id ${r.requestId})`;
  return s;
}

function tally(results: Result[], sent: number, pending: number): string {
  const c = counts(results);
  return `${sent} of ${pending} rows done this run. Created ${c.created}, exists ${c.exists}, invalid ${c.invalid}, failed ${c.failed}, not sent ${c.notSent}.`;
}

let reportUrl: string | undefined;
function offerReport(where: HTMLElement, name: string, results: Result[]): void {
  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([reportCsv(results)], { type: "text/csv" }));
  replace(where, h("a", { href: reportUrl, download: `${name.replace(/\.csv$/i, "")}-report.csv` }, "Download report"));
}
