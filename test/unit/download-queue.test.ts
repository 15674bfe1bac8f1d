/**
 * The download queue: planned files download one at a time in plan order, ahead of their readers when small enough;
 * a reader gets the planned download or null (then fetches itself); nothing is fetched that no reader can still take.
 * Downloads are fakes released by hand, so every step is ordered, not timed.
 */
import { describe, expect, it } from 'vitest';
import { DownloadQueue, type PlannedDownload } from '../../src/runtime/download-queue';

interface Fake {
  readonly log: string[];
  readonly items: PlannedDownload[];
  /** Finishes the download of `url` (which must have started). */
  finish(url: string, fail?: boolean): void;
}

/** Planned downloads of the given sizes; each logs `start:<url>` and waits to be finished by hand. */
function fakes(sizes: Readonly<Record<string, number>>): Fake {
  const log: string[] = [];
  const pending = new Map<string, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  const items = Object.entries(sizes).map(([url, bytes]) => ({
    url,
    bytes,
    fetch: (signal: AbortSignal) =>
      new Promise<Uint8Array>((resolve, reject) => {
        log.push(`start:${url}`);
        signal.addEventListener('abort', () => {
          log.push(`abort:${url}`);
          reject(new Error(`${url} aborted`));
        });
        pending.set(url, { resolve, reject });
      }),
  }));
  return {
    log,
    items,
    finish(url, fail = false) {
      const p = pending.get(url);
      if (p === undefined) throw new Error(`${url} has not started`);
      if (fail) p.reject(new Error(`${url} failed`));
      else p.resolve(new Uint8Array([url.charCodeAt(0)]));
    },
  };
}

/** Lets every settled promise's continuations run. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

type Step = { take: string } | { finish: string; fail?: boolean } | { close: true };

interface Case {
  readonly name: string;
  readonly sizes: Readonly<Record<string, number>>;
  readonly budget: number;
  readonly steps: readonly Step[];
  /** Downloads started, in order, after all steps. */
  readonly started: readonly string[];
  /** What each `take` step got: the first byte of the file, 'null', or the error's message. */
  readonly took: readonly string[];
  /** Downloads aborted, in order (none when absent). */
  readonly aborted?: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'small files come back to back, before their readers ask',
    sizes: { a: 10, b: 10, c: 10 },
    budget: 100,
    steps: [{ finish: 'a' }, { finish: 'b' }, { take: 'a' }, { take: 'b' }, { finish: 'c' }, { take: 'c' }],
    started: ['a', 'b', 'c'],
    took: ['97', '98', '99'],
  },
  {
    name: 'one at a time: the second waits for the first to arrive',
    sizes: { a: 10, b: 10 },
    budget: 100,
    steps: [],
    started: ['a'],
    took: [],
  },
  {
    name: 'a file over the budget waits for its reader; the files after it wait in line',
    sizes: { a: 10, big: 500, c: 10 },
    budget: 100,
    steps: [{ finish: 'a' }, { take: 'a' }],
    started: ['a'],
    took: ['97'],
  },
  {
    name: 'asked for, the large file starts, and the small one after it follows',
    sizes: { a: 10, big: 500, c: 10 },
    budget: 100,
    steps: [{ finish: 'a' }, { take: 'a' }, { take: 'big' }, { finish: 'big' }],
    started: ['a', 'big', 'c'],
    took: ['97', '98'],
  },
  {
    name: 'a file of unknown size (0) waits for its reader',
    sizes: { u: 0 },
    budget: 100,
    steps: [],
    started: [],
    took: [],
  },
  {
    name: 'a reader skipping ahead drops the waiting files before its own, which are then never fetched',
    sizes: { big: 500, c: 10 },
    budget: 100,
    steps: [{ take: 'c' }, { finish: 'c' }, { take: 'big' }],
    started: ['c'],
    took: ['99', 'null'],
  },
  {
    name: 'a file is handed out once; an unplanned one is not handed out',
    sizes: { a: 10 },
    budget: 100,
    steps: [{ take: 'a' }, { finish: 'a' }, { take: 'a' }, { take: 'zz' }],
    started: ['a'],
    took: ['97', 'null', 'null'],
  },
  {
    name: 'a failed download reaches its reader, and the next file still comes',
    sizes: { a: 10, b: 10 },
    budget: 100,
    steps: [{ take: 'a' }, { finish: 'a', fail: true }, { finish: 'b' }, { take: 'b' }],
    started: ['a', 'b'],
    took: ['a failed', '98'],
  },
  {
    name: 'closing aborts a download under way that no reader took',
    sizes: { a: 10 },
    budget: 100,
    steps: [{ close: true }],
    started: ['a'],
    took: [],
    aborted: ['a'],
  },
  {
    name: 'closing leaves a download its reader waits for',
    sizes: { a: 10 },
    budget: 100,
    steps: [{ take: 'a' }, { close: true }, { finish: 'a' }],
    started: ['a'],
    took: ['97'],
    aborted: [],
  },
  {
    name: 'closing drops what has not started and hands out nothing more',
    sizes: { a: 10, big: 500 },
    budget: 100,
    steps: [{ close: true }, { finish: 'a' }, { take: 'a' }, { take: 'big' }],
    started: ['a'],
    took: ['null', 'null'],
    aborted: ['a'],
  },
];

describe('DownloadQueue', () => {
  it.each(cases)('$name', async ({ sizes, budget, steps, started, took, aborted = [] }) => {
    const fake = fakes(sizes);
    const queue = new DownloadQueue(fake.items, budget);
    expect(queue.planned).toEqual(Object.keys(sizes));
    const got: Promise<string>[] = [];
    await settle();
    for (const step of steps) {
      if ('take' in step) {
        const p = queue.take(step.take);
        got.push(
          p === null
            ? Promise.resolve('null')
            : p.then(
                (b) => String(b[0]),
                (e: unknown) => (e instanceof Error ? e.message : String(e)),
              ),
        );
      } else if ('finish' in step) fake.finish(step.finish, step.fail);
      else queue.close();
      await settle();
    }
    expect(fake.log.filter((l) => l.startsWith('start:'))).toEqual(started.map((u) => `start:${u}`));
    expect(fake.log.filter((l) => l.startsWith('abort:'))).toEqual(aborted.map((u) => `abort:${u}`));
    expect(await Promise.all(got)).toEqual(took);
  });
});
