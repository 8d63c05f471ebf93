// CSV as the CLI writes it (Go's encoding/csv): a field is quoted when it
// holds a comma, a quote or a line break, or starts with a space; lines end
// with \n. Cells a spreadsheet would run as a formula are defused.
import type { Result } from "./ledger";

export function csvLine(fields: string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) || /^\s/.test(f) || f === "\\." ? `"${f.replace(/"/g, '""')}"` : f)).join(",") + "\n";
}

/** Prefixes a quote to a cell starting with = + - @ tab or CR, as cli/bulk's csvSafe does. */
export function csvSafe(s: string): string {
  return s !== "" && "=+-@\t\r".includes(s[0]) ? "'" + s : s;
}

/** The report's columns: those of `useradmin users import --report`. */
export const reportColumns = ["row", "email", "outcome", "status", "code", "message", "requestId"];

export function reportCsv(results: Result[]): string {
  return (
    csvLine(reportColumns) +
    results
      .map((r) => csvLine([String(r.line), csvSafe(r.email), r.outcome, r.status ? String(r.status) : "", r.code ?? "", csvSafe(r.message ?? ""), r.requestId ?? ""]))
      .join("")
  );
}
