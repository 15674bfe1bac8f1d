/** The words for the recognizer's head notices, shared by the page's notice list and the CLI's stderr. */
import type { HeadNotice } from '../worker-api/protocol';

/** One sentence a person can read for `n`. */
export function headNoticeText(n: HeadNotice): string {
  switch (n.kind) {
    case 'builtin-failed':
      return `The built-in emotion head "${n.headId}" could not be loaded: ${n.error.message}`;
    case 'embedded-failed':
      return `The embedded emotion head "${n.headId}" could not be loaded: ${n.error.message}`;
    case 'dropped':
      return n.message;
  }
}
