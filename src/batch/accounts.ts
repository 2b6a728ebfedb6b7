import { UsageError } from '../errors.js';
import type { UsersLine } from './users-file.js';
import { listDomain, listDomains, resolveAddress } from './vpopmail.js';

/** One account of a batch, as the admin named it and as it will be worked on. */
export interface Account {
  /** The address or USER as named: what the summary and the log file are called by. */
  name: string;
  /** The source login (--login-format for addresses). */
  login: string;
  /** Absent when the address did not resolve: then `problem` says why. */
  maildir?: string;
  problem?: string;
  /** How the Maildir was found, for the account's log. */
  how: string;
  password?: string;
  /** The account in users-file form: a failed.txt line that names it again. */
  usersLine: string;
}

/** Checks --login-format once: %u local part, %d domain, %% a percent sign. */
export function checkLoginFormat(format: string): void {
  if (/%[^ud%]|%$/.test(format.replace(/%%/g, '')))
    throw new UsageError(`--login-format ${format}: only %u (local part), %d (domain) and %% may follow a %`);
}

export function loginFor(address: string, format: string): string {
  const at = address.lastIndexOf('@');
  return format.replace(/%([ud%])/g, (_, c: string) =>
    c === 'u' ? address.slice(0, at) : c === 'd' ? address.slice(at + 1) : '%',
  );
}

/** The users file's accounts; addresses resolved the vpopmail way (an unresolved one is that account's problem). */
export function accountsFromLines(lines: readonly UsersLine[], loginFormat: string, vhome: () => string): Account[] {
  return lines.map((l) => {
    const password = l.password === undefined ? {} : { password: l.password };
    if ('user' in l)
      return {
        name: l.user,
        login: l.user,
        maildir: l.maildir,
        how: `users file line ${l.line}`,
        usersLine: l.raw,
        ...password,
      };
    return { ...addressAccount(l.address, loginFormat, vhome(), l.raw), ...password };
  });
}

/** --domain D... or --all-vpopmail: every address vpopmail holds there (the admin login gives access). */
export function accountsFromVpopmail(
  domains: readonly string[] | 'all',
  loginFormat: string,
  vhome: string,
): Account[] {
  const names = domains === 'all' ? listDomains(vhome) : domains;
  return names
    .flatMap((d) => listDomain(vhome, d))
    .map((address) => addressAccount(address, loginFormat, vhome, address));
}

function addressAccount(address: string, loginFormat: string, vhome: string, usersLine: string): Account {
  const r = resolveAddress(address, vhome);
  const where = 'problem' in r ? { problem: r.problem, how: 'not found' } : { maildir: r.maildir, how: r.how };
  return { name: address, login: loginFor(address, loginFormat), usersLine, ...where };
}
