/**
 * Writes the tiny fixture models (and the fixture emotion head) to public/models/fixtures when missing or stale, so
 * unit tests stand alone.
 */
import { join } from 'node:path';
import { fixtureOutputs, writeIfChanged } from '../../tools/fixtures/cli';
import { REPO_ROOT } from '../shared-data';

let done: Promise<void> | null = null;

/** Idempotent: generates once per test process, and rewrites nothing when the bytes already match. */
export function ensureFixtures(): Promise<void> {
  done ??= (async () => {
    for await (const file of fixtureOutputs('tiny'))
      await writeIfChanged(join(REPO_ROOT, 'public', 'models', 'fixtures'), file);
  })();
  return done;
}
