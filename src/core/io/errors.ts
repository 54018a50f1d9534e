/**
 * Errors a user can act on. Every failure to open a trace becomes a TraceOpenError whose message
 * names the file and says what to do; callers print `message` as is (one line, no stack).
 */
export type TraceErrorCode =
  | 'not-found'
  | 'empty-file'
  | 'not-sqlite'
  | 'not-nsys-export'
  | 'truncated'
  | 'unknown-format'
  | 'nsys-missing'
  | 'nsys-too-old'
  | 'nsys-failed'
  | 'cancelled'
  | 'timeout';

export class TraceOpenError extends Error {
  constructor(readonly code: TraceErrorCode, message: string, readonly file?: string) {
    super(message);
    this.name = 'TraceOpenError';
  }
}

/** One line for any error: our messages as they are, anything else with its message only. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}
