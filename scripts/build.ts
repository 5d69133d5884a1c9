/**
 * Builds dist/ (`npm run build`, and `npm ci` through the prepare script): src/cli/main.ts
 * and everything it imports, bundled by esbuild into dist/cli/main.js plus a chunk per
 * dynamic import. Type checking stays with tsc (the build script runs it first).
 *
 * Why bundle: Node 20 resolves, reads and compiles every ES module on its own, and with
 * ~60 of them that was about 0.08 s of each run, as much as walking a 200 MB pcap (Node 20
 * has no module compile cache; module.enableCompileCache is Node 22). One file loads in
 * a fraction of that. yargs stays in node_modules: it is loaded only for help, usage
 * errors and explain (src/cli/args.ts), and finds its locale files relative to itself.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['yargs'],
  // Bundled CommonJS packages (cli-table3) require Node built-ins, which an ES module can reach only through createRequire.
  banner: { js: "import { createRequire as ftpcapCreateRequire } from 'node:module'; const require = ftpcapCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
