/**
 * Downloads the files a load will read, one after another and ahead of the code that reads them, so the wire never
 * idles while a session opens or a head is decoded. Loading a pair used to go file by file: the RoBERTa graph
 * downloaded, then was edited and opened with the wire idle, then wav2vec2, then the head (bench load case, int8 at
 * 100 Mbit/s: 2.9 s of idle wire in a 30 s load). Files go one at a time, not all at once, because the first file is
 * needed first: sharing the line would delay it by all the others.
 *
 * The queue is only a head start. A reader that finds no planned download of its file (`take` answers null)
 * downloads it itself, exactly as without a queue; nothing read from the queue skips a check, since a planned
 * download runs the reader's own verified fetch.
 */

/** One file the load will read, and how to download it (the reader's own verified fetch). */
export interface PlannedDownload {
  readonly url: string;
  /** Its size in bytes as the manifest states it; 0 when unknown. */
  readonly bytes: number;
  /** Downloads the file; `signal` aborts it when the plan is closed with nobody waiting for it. */
  readonly fetch: (signal: AbortSignal) => Promise<Uint8Array>;
}

const NO_SETTLE: Slot['settle'] = { resolve: () => undefined, reject: () => undefined };

interface Slot {
  readonly item: PlannedDownload;
  state: 'waiting' | 'running' | 'done' | 'dropped';
  /** Set when a reader took the file: the download may then start however large it is. */
  asked: boolean;
  /** Aborts the download when the plan closes before a reader took it. */
  readonly abort: AbortController;
  /** The download's result, handed to the reader; cleared once handed over, so the queue holds no bytes. */
  result: Promise<Uint8Array> | null;
  /** Settles `result`; replaced by no-ops once used, as the settling functions would keep the bytes alive. */
  settle: { resolve: (b: Uint8Array) => void; reject: (e: unknown) => void };
  /** Wakes the chain waiting for this slot's reader (or for its drop). */
  wake: () => void;
  woken: Promise<void>;
}

/**
 * Runs planned downloads strictly in plan order, one at a time. A file no larger than `aheadBytes` starts as soon as
 * the one before it has arrived; a larger one waits until its reader asks for it, since holding it while the file
 * before it is opened would add its whole size to the load's memory peak (fp32 graphs: 378-499 MB).
 */
export class DownloadQueue {
  private readonly slots: Slot[];
  private closed = false;

  constructor(
    items: readonly PlannedDownload[],
    private readonly aheadBytes: number,
  ) {
    this.slots = items.map((item) => {
      let settle = NO_SETTLE;
      const result = new Promise<Uint8Array>((resolve, reject) => {
        settle = { resolve, reject };
      });
      // A planned file nobody reads (its reader fell back to another dtype) must not surface as unhandled.
      result.catch(() => undefined);
      let wake = (): void => undefined;
      const woken = new Promise<void>((r) => (wake = r));
      return { item, state: 'waiting', asked: false, abort: new AbortController(), result, settle, wake, woken };
    });
    void this.run();
  }

  /** Urls in plan order, for tests and the ledger. */
  get planned(): string[] {
    return this.slots.map((s) => s.item.url);
  }

  /**
   * The planned download of `url`, started now if it was waiting for its reader; null when none is planned (or it
   * was already taken, or the queue is closed): the reader then downloads the file itself. Planned files before it
   * that have not started are dropped, since their readers did not come first and would hold up the line.
   */
  take(url: string): Promise<Uint8Array> | null {
    if (this.closed) return null;
    const i = this.slots.findIndex((s) => s.item.url === url && s.result !== null && s.state !== 'dropped');
    const slot = this.slots[i];
    if (slot === undefined) return null;
    for (const earlier of this.slots.slice(0, i)) if (earlier.state === 'waiting') this.drop(earlier);
    const result = slot.result;
    slot.result = null;
    slot.asked = true;
    slot.wake();
    return result;
  }

  /**
   * Ends the plan: files not started are never downloaded, and one under way that no reader took is aborted (a load
   * that failed leaves nothing downloading behind it).
   */
  close(): void {
    this.closed = true;
    for (const slot of this.slots) {
      if (slot.state === 'waiting') this.drop(slot);
      else if (slot.state === 'running' && !slot.asked) slot.abort.abort();
      slot.result = null;
    }
  }

  private drop(slot: Slot): void {
    slot.state = 'dropped';
    slot.result = null;
    this.settle(slot).reject(new Error(`download of ${slot.item.url} was dropped from the plan`));
    slot.wake();
  }

  /** The slot's settling functions, handed out once (the slot keeps no-ops instead). */
  private settle(slot: Slot): Slot['settle'] {
    const s = slot.settle;
    slot.settle = NO_SETTLE;
    return s;
  }

  private async run(): Promise<void> {
    for (const slot of this.slots) {
      const ahead = slot.item.bytes > 0 && slot.item.bytes <= this.aheadBytes;
      if (!ahead && !slot.asked && slot.state === 'waiting') await slot.woken;
      if (slot.state !== 'waiting') continue;
      slot.state = 'running';
      try {
        const bytes = await slot.item.fetch(slot.abort.signal);
        this.settle(slot).resolve(bytes);
      } catch (err) {
        // The reader sees the failure; the files after it still come (they may be served from elsewhere).
        this.settle(slot).reject(err);
      }
      slot.state = 'done';
    }
  }
}
