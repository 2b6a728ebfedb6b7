import { defineConfig, type Plugin } from 'rolldown';

/**
 * yargs guesses a default --version from the first package.json it finds above the directory
 * its module sits in, or, in a bundle (no node_modules in its path), above the working directory:
 * a readdir of every directory from there up to /, 0.25 s in a /tmp of 23,000 entries, and a
 * stranger's package.json read. src/cli/main.ts gives the version itself, so the bundle's yargs
 * finds none.
 */
const noPackageLookup: Plugin = {
  name: 'no-package-lookup',
  resolveId: (id) => (id === 'escalade/sync' ? '\0no-package-lookup' : undefined),
  load: (id) => (id === '\0no-package-lookup' ? 'export default function findUp() { return undefined; }' : undefined),
};

// The installed command: tsc's output (dist/src) bundled with its packages into a few files in
// dist/src/bin, since Node 20 pays for every module file it loads, and a run loads some 250
// (docs/layout.md, "Start-up"). What a command loads later (yargs, what runs a command, batch)
// stays in chunks of its own. dist/src/bin sits as deep as dist/src/cli, so that the paths the
// code finds beside itself (package.json, the worker) hold in both.
export default defineConfig({
  input: { 'qmail-import': 'dist/src/cli/main.js', worker: 'dist/src/owner/worker.js' },
  platform: 'node',
  plugins: [noPackageLookup],
  output: { dir: 'dist/src/bin', format: 'esm', cleanDir: true, keepNames: true },
});
