import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

// The built command loads a part only when a command needs it (docs/layout.md, "Start-up"). Here a
// copy of it misses every part its entry file loads later: what needs none still works, the rest
// fails in one line.
const BIN = path.dirname(CLI);
const ENTRY = path.basename(CLI);
const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };

function copyWithoutLazyParts(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-start-up-'));
  const bin = path.join(root, 'dist', 'src', 'bin');
  fs.cpSync(BIN, bin, { recursive: true });
  fs.copyFileSync('package.json', path.join(root, 'package.json'));
  const lazy = [...fs.readFileSync(path.join(bin, ENTRY), 'utf8').matchAll(/import\("\.\/([^"]+)"\)/g)];
  expect(lazy.length).toBeGreaterThan(0);
  for (const [, file] of lazy) fs.rmSync(path.join(bin, file as string));
  return path.join(bin, ENTRY);
}

const run = (cli: string, args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('start-up', () => {
  it('--version needs no parser; a part that is missing is named in one line, exit 1', () => {
    const cli = copyWithoutLazyParts();
    try {
      const v = run(cli, ['--version']);
      expect(v.status).toBe(0);
      expect(v.stdout).toBe(`${version}\n`);
      const r = run(cli, ['import', '--help']);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /^qmail-import: cannot load the command-line parser \(Cannot find module '\/.*\.js' imported from .*\): the installation is incomplete; build or install it again\n$/,
      );
    } finally {
      fs.rmSync(path.resolve(path.dirname(cli), '../../..'), { recursive: true, force: true });
    }
  });
});
