// One error shape for the whole tool: what failed, for whom, and the cause kept.
// The CLI maps the class to an exit code (cli/exit-codes.ts); messages never hold a password.

export interface ErrorContext {
  user?: string;
  folder?: string;
  uid?: number;
  uidl?: string;
  cause?: unknown;
}

export abstract class ImportError extends Error {
  readonly user?: string;
  readonly folder?: string;
  readonly uid?: number;
  readonly uidl?: string;
  /** The message without the user/folder/message prefix, for re-wrapping in another class. */
  readonly detail: string;

  constructor(message: string, context: ErrorContext = {}) {
    super(prefix(context) + message, context.cause === undefined ? undefined : { cause: context.cause });
    this.detail = message;
    this.name = new.target.name;
    this.user = context.user;
    this.folder = context.folder;
    this.uid = context.uid;
    this.uidl = context.uidl;
  }
}

/** Bad command line, bad input file, unknown user: nothing was touched. */
export class UsageError extends ImportError {}

/** The source server could not be reached, refused the login or answered nonsense. */
export class SourceError extends ImportError {}

/** A folder (here: the Maildir or one of its folders) could not be handled. */
export class FolderError extends ImportError {}

/** One message could not be handled; the others go on. */
export class MessageError extends ImportError {}

function prefix(c: ErrorContext): string {
  const parts = [
    c.user,
    c.folder,
    c.uidl !== undefined ? `uidl ${c.uidl}` : c.uid !== undefined ? `uid ${c.uid}` : undefined,
  ];
  const head = parts.filter((p) => p !== undefined).join(' ');
  return head ? `${head}: ` : '';
}

/** "open(new/x) failed: EEXIST" style text for a failed system call. */
export function syscallText(verb: string, path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return `${verb}(${path}) failed: ${code ?? (err as Error)?.message ?? String(err)}`;
}
