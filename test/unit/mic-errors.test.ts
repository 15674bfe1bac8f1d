import { describe, expect, it } from 'vitest';
import { mapGetUserMediaError } from '../../src/audio/capture';

/** getUserMedia rejects with DOMException names that differ by browser; each must map to a code the UI explains. */
const cases: { name: string; code: string; message: RegExp }[] = [
  { name: 'NotAllowedError', code: 'mic-denied', message: /Microphone access was denied/ },
  { name: 'PermissionDeniedError', code: 'mic-denied', message: /denied/ },
  { name: 'SecurityError', code: 'mic-denied', message: /denied/ },
  { name: 'NotFoundError', code: 'mic-absent', message: /No microphone was found/ },
  { name: 'DevicesNotFoundError', code: 'mic-absent', message: /No microphone/ },
  { name: 'OverconstrainedError', code: 'mic-absent', message: /No microphone/ },
  { name: 'NotReadableError', code: 'mic-absent', message: /another application/ },
  { name: 'TypeError', code: 'internal', message: /could not be opened: boom/ },
];

describe('mapGetUserMediaError', () => {
  it.each(cases)('$name -> $code', ({ name, code, message }) => {
    const err = new Error('boom');
    err.name = name;
    const mapped = mapGetUserMediaError(err);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toMatch(message);
    expect(mapped.message).toMatch(code === 'internal' ? /microphone/ : /audio file/);
  });
});
