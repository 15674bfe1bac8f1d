/** Writes the tiny fixture models to public/models/fixtures when missing or stale, so unit tests stand alone. */
import { join } from 'node:path';
import { fixtureFiles, writeIfChanged } from '../../tools/fixtures/cli';
import { REPO_ROOT } from '../shared-data';

let done: Promise<void> | null = null;

/** Idempotent: generates once per test process, and rewrites nothing when the bytes already match. */
export function ensureFixtures(): Promise<void> {
  done ??= (async () => {
    for (const file of fixtureFiles('tiny')) await writeIfChanged(join(REPO_ROOT, 'public', 'models', 'fixtures'), file);
  })();
  return done;
}
