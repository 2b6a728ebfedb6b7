import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedFolders } from '../../scripts/lib/seed.js';
import { sourceCliArgs } from '../../scripts/lib/source-cli-args.js';
import { makeAccount, sampleMessages, sharedSource } from '../support/accounts.js';
import { runCli } from '../support/cli.js';

const VERSION = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('the night report', () => {
  it('goes to stdout (`batch … | tee night.log` keeps it), counts in the singular where one, and every log and summary begins with the command line, version, host and start', async () => {
    const server = sharedSource();
    // One message in the INBOX, one in one other folder: every count of the report is a 1.
    const one = await makeAccount(server, []);
    await seedFolders(server, one.user, one.password, [
      { path: 'INBOX', messages: sampleMessages({ count: 1, seed: 130 }) },
      { path: 'Sent', messages: sampleMessages({ count: 1, seed: 131 }), subscribed: true },
    ]);
    const refused = await makeAccount(server, sampleMessages({ count: 1, seed: 132 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-report-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `${one.user}:${one.maildir}:${one.password}\n${refused.user}:${refused.maildir}:wrong\n`, {
      mode: 0o600,
    });
    const logDir = path.join(dir, 'night log');
    const argv = ['batch', '--users', users, '--mode', 'import', ...sourceCliArgs(server, 'none'), '--log-dir', logDir];
    const before = Date.now();
    // stdout is a pipe here, as under `| tee night.log`.
    const r = await runCli(argv);
    expect(r.code, r.output).toBe(1);

    // The report: the account's result line and the closing lines, on stdout and only there.
    expect(r.stdout).toContain(`${refused.user}: import exit 3: `);
    expect(r.stdout).toContain(
      'batch: 2 accounts: 1 done, 1 failed, 0 partial, 0 not started; 1 needs attention; 2 messages',
    );
    // The command that finishes the job, runnable as printed: the accounts of failed.txt, the same
    // options, and no --log-dir (the old one exists, and a batch refuses to write into it).
    // The source's words are plain; the log directory's space is quoted as a shell reads it back.
    const again = ['qmail-import', 'batch', '--mode', 'import', ...sourceCliArgs(server, 'none')].join(' ');
    expect(r.stdout).toContain(
      `batch: to finish them (the same options, a log directory of its own): ${again} --users '${logDir}/failed.txt'\n`,
    );
    expect(r.stdout).toContain(`batch: logs and summary in ${logDir}`);
    expect(r.stderr).not.toContain('accounts:');
    expect(r.stderr).not.toContain(`${refused.user}: import exit 3`);

    // The heading: version, host, start, then the command line as typed (the space quoted).
    const command = `command: qmail-import ${argv.slice(0, -1).join(' ')} '${logDir}'`;
    const heading = new RegExp(
      `^qmail-import ${VERSION.replace(/\./g, '\\.')} on ${os.hostname()}, started (\\S+)\\n${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`,
    );
    const summaryText = fs.readFileSync(path.join(logDir, 'summary.txt'), 'utf8');
    const started = heading.exec(summaryText)?.[1];
    expect(Date.parse(started ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(started ?? '')).toBeLessThanOrEqual(Date.now());
    const summary = JSON.parse(fs.readFileSync(path.join(logDir, 'summary.json'), 'utf8'));
    expect(summary.run).toEqual({
      command: command.slice('command: '.length),
      version: VERSION,
      host: os.hostname(),
      startedAt: started,
    });
    const log = fs.readFileSync(path.join(logDir, `${one.user}.log`), 'utf8');
    expect(log).toMatch(heading);
    expect(fs.readFileSync(path.join(logDir, `${refused.user}.log`), 'utf8')).toMatch(heading);

    // The account's report in its log, in the singular.
    expect(log).toContain(`${one.user}: INBOX imported 1 of 1 message, 0 already there; 1 of 1 source UIDL kept`);
    expect(log).toContain(`${one.user}: 1 other folder: imported 1 of 1 message, 0 already there`);
    expect(log).toMatch(/UID lists \([^)]*\): source UIDs kept for 2 messages in 2 folders/);
  });

  it('names the default log directory and the failed.txt of its retry command by absolute paths: they still hold after a cd', async () => {
    const server = sharedSource();
    const refused = await makeAccount(server, sampleMessages({ count: 1, seed: 133 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-report-'));
    const users = path.join(dir, 'users');
    fs.writeFileSync(users, `${refused.user}:${refused.maildir}:wrong\n`, { mode: 0o600 });
    const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'qi-cwd-')));
    const r = await runCli(
      ['batch', '--users', users, '--mode', 'import', ...sourceCliArgs(server, 'none')],
      {},
      { cwd },
    );
    expect(r.code, r.output).toBe(3);
    const logDir = /^batch: logs and summary in (.*)$/m.exec(r.stdout)?.[1] ?? '';
    expect(path.dirname(logDir), r.stdout).toBe(path.join(cwd, 'qmail-import-logs'));
    expect(r.stdout).toMatch(new RegExp(`: qmail-import batch .* --users ${logDir}/failed\\.txt\\n`));
    expect(JSON.parse(fs.readFileSync(path.join(logDir, 'summary.json'), 'utf8')).logDir).toBe(logDir);
  });
});
