// Builds the console into the folder given as the only argument:
// index.html, app.js (one minified bundle) and app.css. Deterministic, so
// one commit gives one asset hash.
import * as esbuild from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node console/build.mjs OUTDIR");
  process.exit(2);
}
const outdir = resolve(out);
await mkdir(outdir, { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(here, "src", "main.ts")],
  outfile: join(outdir, "app.js"),
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  legalComments: "none",
  // amazon-cognito-identity-js's dependencies expect Node's `global`.
  define: { global: "globalThis", "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
  metafile: true,
});
for (const f of ["index.html", "app.css"]) {
  await copyFile(join(here, "src", f), join(outdir, f));
}
if (process.env.CONSOLE_METAFILE) {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(process.env.CONSOLE_METAFILE, JSON.stringify(result.metafile));
}
