/**
 * The head notices as the page lists them: the worker's, worded once (src/recognizer/notices.ts), and the page's own.
 */
import { headNoticeText } from '../recognizer/notices';
import type { HeadNotice } from '../worker-api/protocol';

/** A message about the head for the user (warnings: a built-in head failed; info: a head was removed). */
export interface HeadNoticeView {
  readonly id: string;
  readonly tone: 'info' | 'warning';
  readonly text: string;
}

/** The worker's notices of one session (`epoch`) as page notices. */
export function workerNoticeViews(notices: readonly HeadNotice[], epoch: string): HeadNoticeView[] {
  return notices.map((n, i) => ({
    id: `${epoch}/${i}`,
    tone: n.kind === 'dropped' ? 'info' : 'warning',
    text: headNoticeText(n),
  }));
}
