import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { startSourceServer, type SourceServer, type SourceServerInfo } from '../../scripts/lib/source-server.js';

// The CLI is tested as users run it: the built bin (the bundle npm run build makes), spawned as a
// real process.
// One shared source server serves the test files that need no special settings; each file
// adds its own users, so files do not see each other's mail.
let server: SourceServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  server = await startSourceServer();
  const { host, imapPort, imapsPort, pop3Port, pop3sPort, caFile, configFile, dir } = server;
  project.provide('sourceServer', { host, imapPort, imapsPort, pop3Port, pop3sPort, caFile, configFile, dir });
  return async () => {
    await server?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    sourceServer: SourceServerInfo;
  }
}
