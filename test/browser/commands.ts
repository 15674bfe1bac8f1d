/** Server-side commands for browser tests: the page cannot read files outside the project, these can. */
import { readFile } from 'node:fs/promises';
import type { BrowserCommand } from 'vitest/node';
import { ravdessClip } from '../shared-data.ts';

/** Reads a RAVDESS clip (path relative to the data folder) and returns it base64-encoded. */
export const readRavdess: BrowserCommand<[rel: string]> = async (_ctx, rel) => {
  return (await readFile(ravdessClip(rel))).toString('base64');
};

declare module 'vitest/browser' {
  interface BrowserCommands {
    readRavdess: (rel: string) => Promise<string>;
  }
}
