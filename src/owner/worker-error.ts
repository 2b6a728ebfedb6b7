import { FolderError, ImportError, ImportRunning, MessageError, SourceError, UsageError } from '../errors.js';

/**
 * An error as it crosses from the owner's worker process to the parent (IPC carries plain data
 * only): its class, its own name (e.g. LoginRefused, a SourceError), its user, folder and message,
 * and its causes, so the parent reports it and exits exactly as an in-process run would.
 */
export interface WireError {
  /** The ImportError class it is or extends, or "Error" for anything else. */
  type: string;
  name: string;
  message: string;
  /** ImportError only: the message without its user/folder/message prefix. */
  detail?: string;
  user?: string;
  folder?: string;
  uid?: number;
  uidl?: string;
  code?: string;
  cause?: WireError;
}

const CLASSES = { UsageError, SourceError, FolderError, ImportRunning, MessageError } as const;

/** Causes nest (an imapflow error inside a SourceError inside ...); a few levels say all there is. */
const MAX_CAUSE_DEPTH = 4;

export function errorToWire(err: unknown, depth = 0): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  const base = Object.entries(CLASSES).find(([, Class]) => e instanceof Class)?.[0] ?? 'Error';
  const code = (e as NodeJS.ErrnoException).code;
  return {
    type: base,
    name: e.name,
    message: e.message,
    ...(e instanceof ImportError ? { detail: e.detail, user: e.user, folder: e.folder, uid: e.uid, uidl: e.uidl } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(e.cause !== undefined && depth < MAX_CAUSE_DEPTH ? { cause: errorToWire(e.cause, depth + 1) } : {}),
  };
}

/** The same class again (UsageError stays exit 2, SourceError exit 3), same text, same context. */
export function errorFromWire(w: WireError): Error {
  const cause = w.cause ? errorFromWire(w.cause) : undefined;
  const Class = CLASSES[w.type as keyof typeof CLASSES];
  const err = Class
    ? new Class(w.detail ?? w.message, { user: w.user, folder: w.folder, uid: w.uid, uidl: w.uidl, cause })
    : new Error(w.message, cause === undefined ? undefined : { cause });
  Object.defineProperty(err, 'name', { value: w.name, enumerable: false, configurable: true, writable: true });
  if (w.code !== undefined) Object.assign(err, { code: w.code });
  return err;
}
