import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A directory with a CA (ca.pem, to pass as --ca-file) and three server certificates the client
 * must refuse, each NAME.pem with NAME.key: "untrusted" (self-signed for 127.0.0.1), "wrong-host"
 * (by the CA, for mail.example.org), "expired" (by the CA, for 127.0.0.1, valid only in 2020).
 */
export function makeBadCerts(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qi-certs-'));
  const openssl = (line: string) =>
    execFileSync('openssl', line.split(' '), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
  const key = '-newkey rsa:2048 -nodes';
  openssl(`req -x509 ${key} -days 2 -subj /CN=hostile-CA -keyout ca.key -out ca.pem`);
  openssl(
    `req -x509 ${key} -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout untrusted.key -out untrusted.pem`,
  );
  openssl(`req ${key} -subj /CN=mail.example.org -keyout wrong-host.key -out wrong-host.csr`);
  write('host.cnf', 'subjectAltName=DNS:mail.example.org\n');
  openssl(
    'x509 -req -in wrong-host.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile host.cnf -out wrong-host.pem',
  );
  // openssl x509 cannot backdate; openssl ca can, with a minimal CA configuration.
  openssl(`req ${key} -subj /CN=127.0.0.1 -keyout expired.key -out expired.csr`);
  write('index.txt', '');
  write('serial', '1000\n');
  write(
    'ca.cnf',
    '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n' +
      '[p]\ncommonName=supplied\n[ext]\nsubjectAltName=IP:127.0.0.1\n',
  );
  openssl(
    'ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -extensions ext -startdate 20200101000000Z -enddate 20200102000000Z -in expired.csr -out expired.pem',
  );
  return dir;
}
