import { describe, expect, it } from 'vitest';
import { downloadVerified } from '../../src/runtime/download';
import { sha256Hex } from '../../src/runtime/hash';

const payload = new Uint8Array(10_000).map((_, i) => (i * 31) % 251);

/** A fetch that answers from a script: each call takes the next behaviour. */
function scriptedFetch(script: ('ok' | 'truncate' | 'corrupt' | 'throw' | '500')[]): {
  fetchImpl: typeof fetch;
  calls: () => number;
} {
  let n = 0;
  const fetchImpl = ((): Promise<Response> => {
    const step = script[Math.min(n, script.length - 1)];
    n += 1;
    if (step === 'throw') return Promise.reject(new TypeError('network down'));
    if (step === '500') return Promise.resolve(new Response('nope', { status: 500, statusText: 'Server Error' }));
    const body =
      step === 'corrupt'
        ? payload.map((b, i) => (i === 7 ? b ^ 1 : b))
        : step === 'truncate'
          ? payload.subarray(0, 4000)
          : payload;
    // Content-Length announces the full size; a truncated body is what a dropped connection looks like.
    return Promise.resolve(new Response(body.slice(), { headers: { 'content-length': String(payload.byteLength) } }));
  }) as typeof fetch;
  return { fetchImpl, calls: () => n };
}

describe('downloadVerified', () => {
  it('returns the bytes and reports byte progress up to the total', async () => {
    const { fetchImpl } = scriptedFetch(['ok']);
    const seen: [number, number | null][] = [];
    const got = await downloadVerified('https://example.test/m.onnx', {
      fetchImpl,
      sha256: await sha256Hex(payload),
      onProgress: (l, t) => seen.push([l, t]),
    });
    expect(got).toEqual(payload);
    expect(seen.at(-1)).toEqual([payload.byteLength, payload.byteLength]);
    expect(seen.every(([, t]) => t === payload.byteLength)).toBe(true);
  });

  const recover: { name: string; script: ('ok' | 'truncate' | 'corrupt' | 'throw' | '500')[]; calls: number }[] = [
    { name: 'a truncated download', script: ['truncate', 'ok'], calls: 2 },
    { name: 'a corrupted download', script: ['corrupt', 'ok'], calls: 2 },
    { name: 'a network error', script: ['throw', 'throw', 'ok'], calls: 3 },
    { name: 'a server error', script: ['500', 'ok'], calls: 2 },
  ];
  it.each(recover)('retries after $name', async ({ script, calls }) => {
    const { fetchImpl, calls: count } = scriptedFetch(script);
    const retries: number[] = [];
    const got = await downloadVerified('https://example.test/m.onnx', {
      fetchImpl,
      sha256: await sha256Hex(payload),
      retryDelayMs: 1,
      onRetry: (a) => retries.push(a),
    });
    expect(got).toEqual(payload);
    expect(count()).toBe(calls);
    expect(retries).toEqual(Array.from({ length: calls - 1 }, (_, i) => i + 2));
  });

  const fail: { name: string; script: ('truncate' | 'corrupt' | 'throw' | '500')[]; code: string; message: RegExp }[] =
    [
      {
        name: 'always truncated',
        script: ['truncate'],
        code: 'download-failed',
        message: /stopped at 4000 of 10000 bytes/,
      },
      {
        name: 'always corrupted',
        script: ['corrupt'],
        code: 'integrity',
        message: /integrity check.*SHA-256 mismatch/,
      },
      {
        name: 'network always down',
        script: ['throw'],
        code: 'download-failed',
        message: /after 3 attempts \(network down\)/,
      },
      { name: 'server always failing', script: ['500'], code: 'download-failed', message: /500/ },
    ];
  it.each(fail)('gives up with a clear error when $name', async ({ script, code, message }) => {
    const { fetchImpl, calls } = scriptedFetch(script);
    const run = downloadVerified('https://example.test/model.onnx', {
      fetchImpl,
      sha256: await sha256Hex(payload),
      retryDelayMs: 1,
    });
    await expect(run).rejects.toMatchObject({ code });
    await expect(
      downloadVerified('https://example.test/model.onnx', {
        fetchImpl,
        sha256: await sha256Hex(payload),
        retryDelayMs: 1,
      }),
    ).rejects.toThrow(message);
    expect(calls()).toBe(6);
  });

  it('rejects a file of the wrong size even without a hash', async () => {
    const { fetchImpl } = scriptedFetch(['ok']);
    await expect(
      downloadVerified('https://example.test/x', { fetchImpl, bytes: 123, attempts: 1 }),
    ).rejects.toMatchObject({ code: 'integrity' });
  });

  it('refuses a size the server announces before reading the body, and cancels it', async () => {
    let pulled = 0;
    let cancelled = 0;
    const fetchImpl = (() => {
      const body = new ReadableStream<Uint8Array>({
        pull: (c) => {
          pulled++;
          c.enqueue(payload);
        },
        cancel: () => {
          cancelled++;
        },
      });
      return Promise.resolve(new Response(body, { headers: { 'content-length': String(payload.byteLength) } }));
    }) as typeof fetch;
    const run = downloadVerified('https://example.test/big.onnx', { fetchImpl, bytes: 123, retryDelayMs: 1 });
    await expect(run).rejects.toMatchObject({
      code: 'integrity',
      reason: 'expected 123 bytes, the server announced 10000',
    });
    expect(cancelled).toBe(3);
    // A stream pulls once to fill its queue when it is made; nothing beyond that was read.
    expect(pulled).toBeLessThanOrEqual(3);
  });
});
