// Runs the console's unit tests (src/**/*.test.ts) with node's test runner:
// esbuild compiles each to a temporary folder first, as node 20 reads no TypeScript.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const src = join(dirname(fileURLToPath(import.meta.url)), "src");
const tests = (await readdir(src, { recursive: true })).filter((f) => f.endsWith(".test.ts")).map((f) => join(src, f));
if (tests.length === 0) {
  console.error("no console unit tests found under", src);
  process.exit(1);
}
const out = await mkdtemp(join(tmpdir(), "console-test-"));
try {
  await esbuild.build({
    entryPoints: tests,
    outdir: out,
    outbase: src,
    bundle: true,
    platform: "node",
    format: "esm",
    target: ["node20"],
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
    packages: "external",
  });
  const compiled = (await readdir(out, { recursive: true })).filter((f) => f.endsWith(".test.mjs")).map((f) => join(out, f));
  const r = spawnSync(process.execPath, ["--test", ...compiled], { stdio: "inherit", cwd: dirname(src) });
  process.exitCode = r.status ?? 1;
} finally {
  await rm(out, { recursive: true, force: true });
}
