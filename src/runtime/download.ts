/**
 * Downloads one file with byte-level progress, detects truncation and corruption, and retries. A file that fails
 * every attempt raises an error; it is never handed on half-downloaded.
 */
import { AppError } from '../core/errors';
import { sha256Hex } from './hash';

export interface DownloadOptions {
  /** Expected SHA-256 (hex); checked when given. */
  readonly sha256?: string;
  /** Expected size; checked when given (in addition to Content-Length). */
  readonly bytes?: number;
  readonly onProgress?: (loaded: number, total: number | null) => void;
  readonly onRetry?: (attempt: number, reason: string) => void;
  /** Attempts in all, including the first. */
  readonly attempts?: number;
  /** Delay before retry n is `retryDelayMs * 2^(n-1)`. */
  readonly retryDelayMs?: number;
  readonly fetchImpl?: typeof fetch;
  readonly signal?: AbortSignal;
}

/**
 * The server has no such file (404 or 410): a 'download-failed' error that a caller with another file to try (the
 * next precision of a model) can tell apart from a broken connection.
 */
export class MissingFileError extends AppError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super('download-failed', `The server has no file ${url.split('/').pop() ?? url} (${reason}).`);
  }
}

/**
 * The file arrived but is not the one expected (wrong size or hash) on every attempt: an 'integrity' error whose
 * `reason` ("expected 10 bytes, got 12") a caller can put in a message of its own.
 */
export class IntegrityError extends AppError {
  constructor(
    readonly url: string,
    readonly reason: string,
    attempts: number,
  ) {
    super(
      'integrity',
      `The model file ${url.split('/').pop() ?? url} failed its integrity check after ${String(attempts)} attempts (${reason}). It was not used.`,
    );
  }
}

/** What went wrong with one attempt; `integrity` failures are retried too (a proxy may have mangled the bytes). */
class AttemptError extends Error {
  constructor(
    readonly kind: 'network' | 'integrity' | 'missing',
    message: string,
  ) {
    super(message);
  }
}

/** The body's length as the server announced it, or null when unknown or compressed. */
function announcedLength(res: Response): number | null {
  const header = res.headers.get('content-length');
  // Compressed responses report the compressed length; only trust it for identity encoding.
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  return header !== null && !encoded ? Number(header) : null;
}

async function readBody(res: Response, onProgress: DownloadOptions['onProgress']): Promise<Uint8Array> {
  const total = announcedLength(res);
  if (res.body === null) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress?.(buf.byteLength, total);
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.(loaded, total);
  }
  if (total !== null && loaded !== total) {
    throw new AttemptError('network', `download stopped at ${loaded} of ${total} bytes`);
  }
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

async function attempt(url: string, opts: DownloadOptions): Promise<Uint8Array> {
  const doFetch = opts.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, opts.signal ? { signal: opts.signal } : {});
  } catch (err) {
    throw new AttemptError('network', err instanceof Error ? err.message : String(err));
  }
  // Not found and gone do not heal with a retry: the repository has no such file.
  if (res.status === 404 || res.status === 410)
    throw new AttemptError('missing', `server answered ${res.status} ${res.statusText}`.trim());
  if (!res.ok) throw new AttemptError('network', `server answered ${res.status} ${res.statusText}`.trim());
  const announced = announcedLength(res);
  if (opts.bytes !== undefined && announced !== null && announced !== opts.bytes) {
    // Refused before the body is read: a changed 500 MB file costs a few headers, not a download.
    await res.body?.cancel().catch(() => undefined);
    throw new AttemptError('integrity', `expected ${opts.bytes} bytes, the server announced ${announced}`);
  }
  let body: Uint8Array;
  try {
    body = await readBody(res, opts.onProgress);
  } catch (err) {
    if (err instanceof AttemptError) throw err;
    throw new AttemptError('network', err instanceof Error ? err.message : String(err));
  }
  if (opts.bytes !== undefined && body.byteLength !== opts.bytes) {
    throw new AttemptError('integrity', `expected ${opts.bytes} bytes, got ${body.byteLength}`);
  }
  if (opts.sha256 !== undefined) {
    const got = await sha256Hex(body);
    if (got !== opts.sha256)
      throw new AttemptError(
        'integrity',
        `SHA-256 mismatch (expected ${opts.sha256.slice(0, 12)}…, got ${got.slice(0, 12)}…)`,
      );
  }
  return body;
}

/**
 * Fetches `url` fully, verifying size and hash when known, retrying with exponential back-off.
 * Throws AppError 'download-failed' (network) or IntegrityError (wrong size or hash) after the last attempt.
 */
export async function downloadVerified(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  const delay = opts.retryDelayMs ?? 500;
  let last: AttemptError | null = null;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await attempt(url, opts);
    } catch (err) {
      if (opts.signal?.aborted === true) throw err;
      last = err instanceof AttemptError ? err : new AttemptError('network', String(err));
      if (last.kind === 'missing') throw new MissingFileError(url, last.message);
      if (i < attempts) {
        opts.onRetry?.(i + 1, last.message);
        await new Promise((r) => setTimeout(r, delay * 2 ** (i - 1)));
      }
    }
  }
  const name = url.split('/').pop() ?? url;
  if (last?.kind === 'integrity') throw new IntegrityError(url, last.message, attempts);
  throw new AppError(
    'download-failed',
    `Could not download ${name} after ${attempts} attempts (${last?.message ?? 'unknown error'}). Check the connection and retry.`,
  );
}
