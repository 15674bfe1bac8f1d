/**
 * Tabs of this page open on the same library hear of each other's changes: one tab's import, edit or new head shows
 * in the others without a reload, so no tab works on a stale list (and, say, labels a clip another tab deleted).
 */

/** The channel's name: one per origin, as the library is. */
const CHANNEL = 'mmer-library-changes';

/** Tells other tabs that the library changed, until closed. */
export interface LibraryChannel {
  /** Says the library changed here (never heard by this tab itself). */
  announce(): void;
  close(): void;
}

/**
 * Listens for other tabs' changes (`onChange`) and lets this tab announce its own. Where BroadcastChannel is missing,
 * nothing is heard or said: each tab then shows the library as it read it last.
 */
export function openLibraryChannel(onChange: () => void): LibraryChannel {
  if (typeof BroadcastChannel === 'undefined') return { announce: () => undefined, close: () => undefined };
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = () => {
    onChange();
  };
  return {
    announce: () => {
      channel.postMessage('changed');
    },
    close: () => {
      channel.close();
    },
  };
}
