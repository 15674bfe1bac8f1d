/**
 * Memory of processes, read from Linux /proc: the proportional set size (PSS: shared pages split between the
 * processes that map them, so a sum over a process tree counts each page once) of a set of processes sampled on a
 * timer, and a process's own peak resident size (VmHWM, which writing 5 to clear_refs resets). Linux only; elsewhere
 * every reading is null and the tables say so.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const kib = (text: string, field: string): number | null => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m?.[1] === undefined ? null : Number(m[1]) * 1024;
};
const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** Pids whose parent chain reaches `root` (not `root` itself), with their command names. */
export function descendants(root: number): { pid: number; comm: string }[] {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat?.lastIndexOf(')') ?? -1;
    if (stat === null || close < 0) continue;
    parent.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    comm.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
  }
  const out: { pid: number; comm: string }[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push({ pid, comm: comm.get(pid) ?? '' });
        break;
      }
    }
  }
  return out;
}

/** PSS of one process in bytes, or null when it is gone or unreadable. */
export function pss(pid: number): number | null {
  const text = read(`/proc/${String(pid)}/smaps_rollup`);
  return text === null ? null : kib(text, 'Pss');
}

/** A process's own peak resident size (VmHWM) in bytes, or null when it is gone or unreadable. */
export function peakRss(pid: number): number | null {
  const text = read(`/proc/${String(pid)}/status`);
  return text === null ? null : kib(text, 'VmHWM');
}

/**
 * Memory of the browser processes under this Node process, read only when asked (never on a timer: reading
 * smaps_rollup walks a process's page tables, which costs a browser with gigabytes mapped real CPU time and would
 * slow the runs being measured). `reset` marks the processes alive now; `pagePeak` sums the own peak resident size of
 * the processes started since, i.e. the page's renderer, where its workers and their WASM heaps live.
 */
export class TreeSampler {
  private known = new Set<number>();

  constructor(private readonly match: (comm: string) => boolean) {}

  private processes(): number[] {
    return descendants(process.pid)
      .filter((p) => this.match(p.comm))
      .map((p) => p.pid);
  }

  /** Summed PSS of the browser's processes now (bytes). */
  sample(): number {
    return this.processes().reduce((sum, pid) => sum + (pss(pid) ?? 0), 0);
  }

  /** Marks the processes alive now as not the page's; returns the summed PSS now. */
  reset(): number {
    this.known = new Set(this.processes());
    return this.sample();
  }

  /**
   * Starts a new phase: the page's processes' peak resident sizes are set back to their current sizes (as root or
   * for our own children, clear_refs allows it), so the next `pagePeak` is the peak of what ran since. False where
   * the kernel refused it for some process.
   */
  resetPagePeak(): boolean {
    let all = true;
    for (const pid of this.processes().filter((p) => !this.known.has(p))) {
      try {
        writeFileSync(`/proc/${String(pid)}/clear_refs`, '5');
      } catch {
        all = false;
      }
    }
    return all;
  }

  /** Sum of the own peak resident sizes (VmHWM) of the processes started since `reset` (bytes). */
  pagePeak(): number {
    return this.processes()
      .filter((pid) => !this.known.has(pid))
      .reduce((sum, pid) => sum + (peakRss(pid) ?? 0), 0);
  }
}

/** Resets this process's peak resident size to its current size; false where the kernel does not allow it. */
export function resetOwnPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** This process's peak resident size since start or the last `resetOwnPeak` (bytes), and its current one. */
export function ownMemory(): { peak: number | null; current: number | null } {
  const text = read('/proc/self/status');
  return { peak: text === null ? null : kib(text, 'VmHWM'), current: text === null ? null : kib(text, 'VmRSS') };
}

/** One memory figure of a case (MB = 2^20 bytes). */
export interface MemoryRow {
  readonly runtime: string;
  readonly dtype: string;
  /** What was measured and how. */
  readonly what: string;
  /** Before the runtime loaded anything (the browser idle, or the process before the step). */
  readonly baselineMB: number | null;
  /** Once loaded (null where there is no separate load). */
  readonly afterLoadMB: number | null;
  /** After its last run (null where not read). */
  readonly afterRunsMB: number | null;
  /** Peak while it ran: the page's processes' own peak resident size (browser), the process peak (training). */
  readonly peakMB: number | null;
  /**
   * Browser: the peak of each phase apart, load (worker start, downloads or cache reads, graph edits, sessions, head)
   * and runs (every clip after the load); `peakMB` is the larger. Absent where phases were not told apart.
   */
  readonly phasePeakMB?: { readonly load: number; readonly runs: number | null };
}
