/**
 * Every failure the user can meet has a code, so the UI can explain it and tests can assert on it.
 * Messages are written for people; codes are for programs.
 */
export type ErrorCode =
  | 'mic-denied'
  | 'mic-absent'
  | 'no-webgpu'
  | 'backend-unavailable'
  | 'decode-failed'
  | 'not-audio'
  | 'empty-audio'
  | 'too-short'
  | 'silent'
  | 'too-long'
  | 'download-failed'
  | 'integrity'
  /** A hub file differs from the one this device downloaded first (trust on first use); nothing was used. */
  | 'changed-upstream'
  | 'bad-manifest'
  | 'bad-model'
  | 'bad-dataset'
  | 'worker-crashed'
  /** The browser's storage quota is used up; nothing stored before is lost. */
  | 'storage-full'
  /** A training run is already going, or the library has nothing to train on. */
  | 'training'
  | 'internal';

/**
 * Failures that come from the clip itself (its length, its silence, its bytes): analysing the same clip again can
 * only repeat them, so the page offers what helps (record again, choose another file) instead of a retry.
 */
const CLIP_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'empty-audio',
  'too-short',
  'too-long',
  'silent',
  'decode-failed',
  'not-audio',
]);

/** True when retrying the same input would fail the same way. */
export function failsAgain(code: ErrorCode): boolean {
  return CLIP_FAULTS.has(code);
}

/** A failure with a stable code and a message fit to show to the user. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The plain-data form of an error, safe to post between threads. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Converts anything thrown into an `ErrorInfo`, keeping the code of an `AppError`. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}

/** A result that crosses the worker boundary without losing the error code (comlink keeps only message/stack). */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

/** Runs `fn` and wraps its outcome in a `Result`. */
export async function toResult<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) };
  }
}
