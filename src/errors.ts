// One error shape for the whole tool: what failed, for whom, and the cause kept.
// The CLI maps the class to an exit code (jobs/exit-codes.ts); messages never hold a password.

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

/** An import holds the Maildir: verify compared nothing, since a count taken now would be a false alarm. */
export class ImportRunning extends ImportError {}

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

/** What fsCall makes of a failure besides "verb(path) failed: CODE". */
interface FsCallOptions<A> {
  /** Codes that answer the call rather than fail it, and what each yields instead: ENOENT for a
   *  file a POP3 client may delete meanwhile, EEXIST for a directory that is already there. */
  expected?: Readonly<Record<string, A>>;
  /** Added to the message for a code: what it means or what to do. */
  hint?: (code: string | undefined) => string;
}

/**
 * Runs one file-system step; its failure becomes a FolderError "verb(path) failed: CODE" with the
 * context, the one shape for the operator log (as imapCall is for IMAP commands). An ImportError
 * the step raises itself already says what went wrong and passes unchanged.
 */
export async function fsCall<T, A = never>(
  call: () => T | Promise<T>,
  verb: string,
  path: string,
  context: ErrorContext,
  options: FsCallOptions<A> = {},
): Promise<T | A> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && options.expected && Object.hasOwn(options.expected, code))
      return options.expected[code] as A;
    throw new FolderError(`${syscallText(verb, path, err)}${options.hint?.(code) ?? ''}`, { ...context, cause: err });
  }
}
