// idb checks requests with `instanceof IDBRequest` etc., so the fake's classes must be globals; each test still
// gets its own factory (its own databases).
import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { IdbClipLibrary } from '../../src/data/library/idb-library';
import { BUILTIN_LABEL_SET, newLabelSet } from '../../src/data/library/label-sets';
import type {
  CachedFeatures,
  LibraryClip,
  NewClip,
  StoredHeadInfo,
  TrainCheckpoint,
} from '../../src/data/library/library-types';
import { featureKey } from '../../src/data/library/library-types';

const open = (): Promise<IdbClipLibrary> => IdbClipLibrary.open({ factory: new IDBFactory() });

function newClip(name: string, samples = 1600, extra: Partial<NewClip> = {}): NewClip {
  const pcm = new Float32Array(samples);
  for (let i = 0; i < samples; i++) pcm[i] = Math.sin(i / 7) * 0.5;
  return {
    name,
    label: 'happy',
    transcript: 'hello there',
    transcriptSource: 'asr',
    speaker: 's1',
    split: null,
    source: 'file',
    pcm,
    original: null,
    ...extra,
  };
}

function features(clip: LibraryClip, view: 'orig' | 'aug-0' = 'orig'): CachedFeatures {
  const m = { rows: 2, dim: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  return { key: featureKey(clip, 'lite', view), clipId: clip.id, audio: m, text: m, asr: null };
}

const quota = (): DOMException => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

/**
 * Makes the `n`-th call (1-based) of the fake object store's `put`/`add` fail with a quota error, once: thrown
 * (`throw`), or as browsers often report it, the whole transaction aborting with that error (`abort`).
 */
function failNthWrite(method: 'put' | 'add', n: number, how: 'throw' | 'abort' = 'throw'): () => void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- restored verbatim below
  const original = IDBObjectStore.prototype[method];
  let calls = 0;
  IDBObjectStore.prototype[method] = function (
    this: IDBObjectStore,
    ...args: Parameters<IDBObjectStore['put']>
  ): IDBRequest<IDBValidKey> {
    calls++;
    if (calls === n && how === 'throw') throw quota();
    const request = original.apply(this, args);
    // fake-indexeddb's internal abort with an error name, the state a failed commit leaves behind.
    if (calls === n) (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
    return request;
  };
  return () => {
    IDBObjectStore.prototype[method] = original;
  };
}

let restore: (() => void) | null = null;
let library: IdbClipLibrary | null = null;
afterEach(() => {
  restore?.();
  restore = null;
  library?.close();
  library = null;
});

async function lib(): Promise<IdbClipLibrary> {
  library = await open();
  return library;
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('IdbClipLibrary clips', () => {
  it('round-trips clips and audio', async () => {
    const l = await lib();
    const blob = new Blob([new Uint8Array([1, 2, 3])], { type: 'audio/wav' });
    const input = [newClip('a.wav', 16000, { original: blob }), newClip('b.wav', 8000, { label: null, speaker: null })];
    const added = await l.addClips(input);
    expect(added.map((c) => c.name)).toEqual(['a.wav', 'b.wav']);
    expect(added[0]?.durationS).toBe(1);
    expect(added[1]?.durationS).toBe(0.5);
    expect(new Set(added.map((c) => c.id)).size).toBe(2);
    expect(await l.listClips()).toEqual(added);
    const first = added[0];
    if (first === undefined) throw new Error('no clip');
    expect(await l.getClip(first.id)).toEqual(first);
    const audio = await l.getAudio(first.id);
    expect(audio?.pcm).toBeInstanceOf(Float32Array);
    expect(Array.from(audio?.pcm ?? [])).toEqual(Array.from(input[0]?.pcm ?? []));
    expect(audio?.original).toBeInstanceOf(Blob);
    expect(audio?.original?.size).toBe(3);
    expect((await l.getAudio(added[1]?.id ?? ''))?.original).toBeNull();
    expect(await l.getClip('missing')).toBeNull();
  });

  it('stores a subarray as its own samples only', async () => {
    const l = await lib();
    const whole = new Float32Array(32000);
    const [clip] = await l.addClips([newClip('part', 0, { pcm: whole.subarray(100, 1700) })]);
    const audio = await l.getAudio(clip?.id ?? '');
    expect(audio?.pcm.length).toBe(1600);
    expect(audio?.pcm.buffer.byteLength).toBe(1600 * 4);
  });

  it.each([
    [1, 'throw'],
    [2, 'throw'],
    [5, 'throw'],
    [6, 'throw'],
    [1, 'abort'],
    [4, 'abort'],
    [6, 'abort'],
  ] as const)('adds all clips or none when write %i hits the quota (%s)', async (n, how) => {
    const l = await lib();
    const before = await l.addClips([newClip('keep-1'), newClip('keep-2')]);
    restore = failNthWrite('add', n, how);
    const err = await rejection(l.addClips([newClip('x1'), newClip('x2'), newClip('x3')]));
    expect(err.code).toBe('storage-full');
    expect(err.message).toContain('Nothing already stored was lost');
    restore();
    restore = null;
    expect(await l.listClips()).toEqual(before);
    for (const c of before) expect(await l.getAudio(c.id)).not.toBeNull();
    // The library still works afterwards.
    expect(await l.addClips([newClip('later')])).toHaveLength(1);
  });

  it('bumps the revision and drops cached features only when the transcript changes', async () => {
    const l = await lib();
    const [clip] = await l.addClips([newClip('a')]);
    if (clip === undefined) throw new Error('no clip');
    expect(await l.putFeatures(features(clip))).toBe(true);
    const relabelled = await l.updateClip(clip.id, { label: 'sad', speaker: 's2', split: 'test' });
    expect(relabelled).toMatchObject({
      label: 'sad',
      speaker: 's2',
      split: 'test',
      revision: clip.revision,
      transcript: 'hello there',
    });
    expect(await l.getFeatures(featureKey(clip, 'lite', 'orig'))).not.toBeNull();
    const same = await l.updateClip(clip.id, { transcript: 'hello there', transcriptSource: 'asr' });
    expect(same.revision).toBe(clip.revision);
    const edited = await l.updateClip(clip.id, { transcript: 'hello world', transcriptSource: 'user' });
    expect(edited.revision).toBe(clip.revision + 1);
    expect(edited.transcriptSource).toBe('user');
    expect(await l.getFeatures(featureKey(clip, 'lite', 'orig'))).toBeNull();
    expect(await l.getClip(clip.id)).toEqual(edited);
  });

  it('refuses to update a missing clip and leaves a batch untouched', async () => {
    const l = await lib();
    const [a] = await l.addClips([newClip('a')]);
    const missing = await rejection(l.updateClip('nope', { label: 'sad' }));
    expect(missing.code).toBe('bad-dataset');
    expect(missing.message).toMatch(/no longer exists/);
    const batch = await rejection(l.updateClips([a?.id ?? '', 'nope'], { label: 'sad' }));
    expect(batch.code).toBe('bad-dataset');
    expect((await l.getClip(a?.id ?? ''))?.label).toBe('happy');
    expect((await l.updateClips([a?.id ?? ''], { label: 'angry' }))[0]?.label).toBe('angry');
  });

  it('deletes clips with their audio and features, and restores clips and audio', async () => {
    const l = await lib();
    const blob = new Blob(['x']);
    const [a, b, c] = await l.addClips([newClip('a', 1600, { original: blob }), newClip('b'), newClip('c')]);
    if (a === undefined || b === undefined || c === undefined) throw new Error('no clips');
    await l.putFeatures(features(a));
    await l.putFeatures(features(a, 'aug-0'));
    await l.putFeatures(features(c));
    const deleted = await l.deleteClips([a.id, b.id, 'unknown']);
    expect(deleted.clips.map((x) => x.name).sort()).toEqual(['a', 'b']);
    expect(deleted.audio).toHaveLength(2);
    expect((await l.listClips()).map((x) => x.name)).toEqual(['c']);
    expect(await l.getAudio(a.id)).toBeNull();
    expect(await l.getFeatures(featureKey(a, 'lite', 'orig'))).toBeNull();
    expect(await l.getFeatures(featureKey(a, 'lite', 'aug-0'))).toBeNull();
    expect(await l.getFeatures(featureKey(c, 'lite', 'orig'))).not.toBeNull();
    await l.restoreClips(deleted);
    expect(await l.listClips()).toEqual([a, b, c]);
    expect((await l.getAudio(a.id))?.original?.size).toBe(1);
    expect((await l.getAudio(b.id))?.pcm.length).toBe(1600);
    expect(await l.getFeatures(featureKey(a, 'lite', 'orig'))).toBeNull();
  });
});

describe('IdbClipLibrary label sets and settings', () => {
  it('seeds the built-in set as the active one and protects it', async () => {
    const l = await lib();
    expect(await l.listLabelSets()).toEqual([BUILTIN_LABEL_SET]);
    expect(await l.getSetting('activeLabelSet')).toBe('iemocap-4');
    expect((await rejection(l.deleteLabelSet('iemocap-4'))).code).toBe('bad-dataset');
    expect((await rejection(l.putLabelSet({ ...BUILTIN_LABEL_SET, name: 'Mine' }))).code).toBe('bad-dataset');
    expect((await rejection(l.putLabelSet({ ...BUILTIN_LABEL_SET, builtin: false }))).code).toBe('bad-dataset');
    expect(await l.listLabelSets()).toEqual([BUILTIN_LABEL_SET]);
  });

  it('validates, stores and deletes custom sets; deleting the active set falls back to the built-in one', async () => {
    const l = await lib();
    const custom = newLabelSet('Mine', ['calm', 'excited'], 'custom-1');
    await l.putLabelSet(custom);
    await l.setSetting('activeLabelSet', custom.id);
    expect((await l.listLabelSets()).map((s) => s.id)).toEqual(['iemocap-4', 'custom-1']);
    const dup = await rejection(
      l.putLabelSet({
        ...custom,
        labels: [
          { name: 'a', colour: '#000' },
          { name: 'a', colour: '#111' },
        ],
      }),
    );
    expect(dup.code).toBe('bad-dataset');
    expect((await rejection(l.putLabelSet({ ...custom, labels: [] }))).code).toBe('bad-dataset');
    expect((await rejection(l.putLabelSet({ ...custom, name: ' ' }))).code).toBe('bad-dataset');
    await l.putLabelSet({ ...custom, name: 'Renamed' });
    expect((await l.listLabelSets())[1]?.name).toBe('Renamed');
    await l.deleteLabelSet(custom.id);
    expect(await l.getSetting('activeLabelSet')).toBe('iemocap-4');
    expect(await l.listLabelSets()).toEqual([BUILTIN_LABEL_SET]);
    await l.deleteLabelSet('never-existed');
  });

  it('stores and clears settings', async () => {
    const l = await lib();
    expect(await l.getSetting('activeHead:lite')).toBeNull();
    await l.setSetting('activeHead:lite', 'h1');
    expect(await l.getSetting('activeHead:lite')).toBe('h1');
    await l.setSetting('activeHead:lite', null);
    expect(await l.getSetting('activeHead:lite')).toBeNull();
  });
});

describe('IdbClipLibrary heads, features and checkpoints', () => {
  const head = (id: string, createdAt: string): StoredHeadInfo => ({
    id,
    name: `head ${id}`,
    pair: 'lite',
    labels: ['a', 'b'],
    metrics: { ua: 0.5 },
    training: { epochs: 3 },
    createdAt,
    origin: 'trained',
  });

  it('puts, lists, reads, updates and deletes heads', async () => {
    const l = await lib();
    await l.putHead(head('h2', '2026-01-02T00:00:00.000Z'), { configJson: '{"b":1}', weights: new Uint8Array([4, 5]) });
    await l.putHead(head('h1', '2026-01-01T00:00:00.000Z'), {
      configJson: '{"a":1}',
      weights: new Uint8Array([1, 2, 3]),
    });
    expect((await l.listHeads()).map((h) => h.id)).toEqual(['h1', 'h2']);
    const files = await l.getHeadFiles('h1');
    expect(files?.configJson).toBe('{"a":1}');
    expect(Array.from(files?.weights ?? [])).toEqual([1, 2, 3]);
    const updated = await l.updateHead('h1', { name: 'Best', metrics: { ua: 0.6, wa: 0.7 } });
    expect(updated).toMatchObject({ name: 'Best', metrics: { ua: 0.6, wa: 0.7 }, pair: 'lite' });
    expect((await rejection(l.updateHead('nope', { name: 'x' }))).code).toBe('bad-dataset');
    await l.setSetting('activeHead:lite', 'h1');
    await l.deleteHead('h1');
    expect((await l.listHeads()).map((h) => h.id)).toEqual(['h2']);
    expect(await l.getHeadFiles('h1')).toBeNull();
    expect(await l.getSetting('activeHead:lite')).toBeNull();
  });

  it('caches features, and resolves false instead of throwing when the disk is full', async () => {
    const l = await lib();
    const [clip] = await l.addClips([newClip('a')]);
    if (clip === undefined) throw new Error('no clip');
    const entry = features(clip);
    expect(await l.putFeatures(entry)).toBe(true);
    const got = await l.getFeatures(entry.key);
    expect(got?.audio.rows).toBe(2);
    expect(Array.from(got?.text.data ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
    for (const how of ['throw', 'abort'] as const) {
      restore = failNthWrite('put', 1, how);
      expect(await l.putFeatures(features(clip, 'aug-0'))).toBe(false);
      restore();
      restore = null;
    }
    expect(await l.getFeatures(featureKey(clip, 'lite', 'aug-0'))).toBeNull();
    // Features of a clip that was deleted meanwhile are not cached (they would never be cleaned up).
    expect(await l.putFeatures({ ...entry, key: 'orphan', clipId: 'gone' })).toBe(false);
  });

  it.each(['throw', 'abort'] as const)('maps a quota error (%s) on other writes to storage-full', async (how) => {
    const l = await lib();
    restore = failNthWrite('put', 2, how);
    const err = await rejection(
      l.putHead(head('h', '2026-01-01T00:00:00.000Z'), { configJson: '{}', weights: new Uint8Array(4) }),
    );
    expect(err.code).toBe('storage-full');
    restore();
    restore = null;
    expect(await l.listHeads()).toEqual([]);
  });

  it('puts, reads, finds the latest and deletes checkpoints', async () => {
    const l = await lib();
    const cp = (runId: string, updatedAt: string): TrainCheckpoint => ({
      runId,
      settings: { lr: 1e-3 },
      epoch: 2,
      status: 'running',
      params: new Uint8Array([1, 2]),
      optimizer: { step: 10, state: new Uint8Array([3]) },
      best: { epoch: 1, ua: 0.4, params: new Uint8Array([9]) },
      sinceBest: 1,
      history: [{ epoch: 1, loss: 2 }],
      updatedAt,
    });
    expect(await l.latestCheckpoint()).toBeNull();
    await l.putCheckpoint(cp('r1', '2026-01-01T00:00:02.000Z'));
    await l.putCheckpoint(cp('r2', '2026-01-01T00:00:01.000Z'));
    expect((await l.latestCheckpoint())?.runId).toBe('r1');
    await l.putCheckpoint(cp('r2', '2026-01-01T00:00:03.000Z'));
    expect((await l.latestCheckpoint())?.runId).toBe('r2');
    const got = await l.getCheckpoint('r1');
    expect(got?.optimizer?.step).toBe(10);
    expect(Array.from(got?.params ?? [])).toEqual([1, 2]);
    await l.deleteCheckpoint('r2');
    expect(await l.getCheckpoint('r2')).toBeNull();
    expect((await l.latestCheckpoint())?.runId).toBe('r1');
  });
});
