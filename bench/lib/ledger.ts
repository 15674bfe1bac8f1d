/**
 * The load case's byte ledger check (case 4): what a cold load of ours downloaded, file by file with the reason, and
 * the rule that no file comes twice.
 */
import type { LoadRun } from '../browser/page';
import { FetchLedger, ledgerTable } from '../../src/runtime/fetch-ledger';
import type { ModelSet } from './models';

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e6 && bytes > 0 ? 2 : 1);
}

/**
 * Prints a cold load's byte ledger (file, size, why, total) and holds it to the issue's rule: no file is downloaded
 * twice. A ledger total other than the bytes the server sent for model files means some download was not accounted
 * for (or a retry sent a file again): a note, with both numbers.
 * @throws Error naming the files that were downloaded more than once.
 */
export function checkLedger(
  run: LoadRun,
  served: number,
  set: ModelSet,
  log: (line: string) => void,
  notes: string[],
): void {
  const ledger = new FetchLedger();
  for (const r of run.ledger ?? []) ledger.apply({ status: 'done', fromCache: false, ...r });
  log(`load ours ${set.pair} (${set.dtype}) cold, byte ledger:`);
  for (const line of ledgerTable(ledger.entries)) log(`  ${line}`);
  const twice = ledger.repeats();
  if (twice.length > 0)
    throw new Error(
      `ours ${set.dtype}: downloaded more than once: ${twice.map((t) => `${t.model}/${t.file} x${String(t.times)}`).join(', ')}`,
    );
  if (ledger.totalBytes !== served)
    notes.push(
      `load ${set.dtype}: the byte ledger counts ${mb(ledger.totalBytes)} MB, the server sent ${mb(served)} MB of model files`,
    );
}
