/**
 * The byte ledger of a model load: every file the loader downloaded, its size and why it was needed, folded from the
 * `done` progress events (which carry a `FetchWhy`). One definition for the page, the CLI, the bench and the tests, so
 * a file fetched that nothing runs, or fetched twice, is visible wherever a load is watched.
 */
import type { FetchWhy, LoadProgress } from './runtime-types';

/** One download: which file of which model, its bytes as served, and why. */
export interface FetchRecord {
  readonly model: string;
  readonly file: string;
  readonly bytes: number;
  readonly why: FetchWhy;
}

const ROLE: Readonly<Record<Extract<FetchWhy, { kind: 'graph' }>['role'], string>> = {
  'audio-encoder': 'audio encoder',
  'text-encoder': 'text encoder',
};

const HEAD_SLOT: Readonly<Record<Extract<FetchWhy, { kind: 'head' }>['slot'], string>> = {
  pair: "the pair's emotion head",
  embedded: 'the embedded stand-in head',
  training: 'the head a training run starts from',
};

const HEAD_PART: Readonly<Record<Extract<FetchWhy, { kind: 'head' }>['part'], string>> = {
  config: 'config',
  weights: 'weights',
  training: 'training-only weights',
};

/** A short reason a person can read, e.g. "runs: audio encoder graph (q8)" or "training only: audio encoder config". */
export function describeWhy(why: FetchWhy): string {
  switch (why.kind) {
    case 'graph':
      return `runs: ${ROLE[why.role]} graph (${why.dtype})`;
    case 'side-file':
      return `${why.use === 'training' ? 'training only' : 'runs'}: ${ROLE[why.role]} ${why.purpose}`;
    case 'head':
      return `${why.slot === 'training' ? 'training only' : 'scores'}: ${HEAD_PART[why.part]} of ${HEAD_SLOT[why.slot]}`;
  }
}

/** Collects the downloads of one or more loads; feed it every `LoadProgress` event (others are ignored). */
export class FetchLedger {
  private readonly list: FetchRecord[] = [];

  /**
   * Records `p` when it is the end of a download (a `done` event not served from the cache). A bound function, so
   * it can be handed on as a progress callback itself.
   */
  readonly apply = (p: LoadProgress): void => {
    if (p.status !== 'done' || p.fromCache) return;
    this.list.push({ model: p.model, file: p.file, bytes: p.bytes, why: p.why });
  };

  /** The downloads in the order they finished. */
  get entries(): readonly FetchRecord[] {
    return this.list;
  }

  /** Bytes downloaded in all. */
  get totalBytes(): number {
    return this.list.reduce((s, r) => s + r.bytes, 0);
  }

  /** Files downloaded more than once (model and path), with their count: what the ledger exists to catch. */
  repeats(): { model: string; file: string; times: number }[] {
    const counts = new Map<string, { model: string; file: string; times: number }>();
    for (const r of this.list) {
      const key = `${r.model}\u0000${r.file}`;
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { model: r.model, file: r.file, times: 1 });
      else c.times++;
    }
    return [...counts.values()].filter((c) => c.times > 1);
  }
}

/** "141.9 MB", two decimals under 1 MB so small side files do not all read 0.0. */
function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e6 ? 2 : 1)} MB`;
}

/** The ledger as an aligned text table (file, size, why) with a total line, for the CLI and the bench. */
export function ledgerTable(records: readonly FetchRecord[]): string[] {
  const rows = records.map((r) => [`${r.model}/${r.file}`, mb(r.bytes), describeWhy(r.why)] as const);
  const total = records.reduce((s, r) => s + r.bytes, 0);
  const all = [['file', 'size', 'why'] as const, ...rows, ['total', mb(total), `${records.length} file(s)`] as const];
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  return all.map(([f, s, why]) => `${f.padEnd(w0)}  ${s.padStart(w1)}  ${why}`);
}
