/** How far one folder's copy has got, for whoever watches the run (a batch's live view). */
export interface ProgressEvent {
  user: string;
  folder: string;
  done: number;
  total: number;
  /** Bytes of the folder's messages to copy (as the source announced them), and of those copied
   *  so far, the message under way included: a big message moves too. */
  bytesDone: number;
  bytesTotal: number;
}

/**
 * What a job is handed by whoever started it, passed down call by call rather than kept in module
 * state: the stop it honours at its next safe point (Ctrl-C, a stop signal, the batch stopping)
 * and whom its progress goes to (absent: lines on stderr).
 */
export interface RunContext {
  signal: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * A job stopped on request at a safe point: the message under way is complete and journaled, and a
 * re-run goes on from there. A status of its own, not an error of a user, folder or message.
 */
export class Stopped extends Error {
  override name = 'Stopped';
}
