import { defineConfig } from 'rolldown';

// The installed command: tsc's output (dist/src) bundled with its packages into a few files in
// dist/src/bin, since Node 20 pays for every module file it loads, and a run loads some 250
// (docs/layout.md, "Start-up"). What a command loads later (yargs, what runs a command, batch)
// stays in chunks of its own. dist/src/bin sits as deep as dist/src/cli, so that the paths the
// code finds beside itself (package.json, the worker) hold in both.
export default defineConfig({
  input: { 'qmail-import': 'dist/src/cli/main.js', worker: 'dist/src/owner/worker.js' },
  platform: 'node',
  output: { dir: 'dist/src/bin', format: 'esm', cleanDir: true, keepNames: true },
});
