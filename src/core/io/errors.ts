/**
 * Errors a user can act on. Every failure to open a trace becomes a TraceOpenError whose message
 * names the file and says what to do; callers print `message` as is (one line, no stack).
 * Cancellation is not an error the user must act on: it is thrown as db.ts's CancelledError.
 */
export type TraceErrorCode =
  | 'not-found'
  | 'not-a-file'
  | 'empty-file'
  | 'not-sqlite'
  | 'not-nsys-export'
  | 'truncated'
  | 'corrupt'
  | 'unknown-format'
  | 'nsys-missing'
  | 'nsys-too-old'
  | 'nsys-failed'
  | 'timeout';

export class TraceOpenError extends Error {
  constructor(
    readonly code: TraceErrorCode,
    message: string,
    readonly file?: string,
  ) {
    // Messages are built from paths and tool output: keep them on one line whatever those hold.
    super(message.replace(/\s*[\r\n]+\s*/g, ' ').trim());
    this.name = 'TraceOpenError';
  }
}

/** One line for any error: our messages as they are, anything else with its message only. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}
