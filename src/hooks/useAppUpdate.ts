import { useCallback, useRef } from 'react';
import { useRegisterSW } from 'virtual:pwa-register/react';

/** What the page knows of a new version of itself. */
export interface AppUpdate {
  /** A new version is installed and waits for this page to reload. */
  readonly waiting: boolean;
  /** Hands control to the new version and reloads the page. */
  readonly reload: () => void;
}

/**
 * Registers the service worker (only in builds: in `vite dev` the plugin answers with a stub) and reports a new
 * version once it is installed. The new version never takes over by itself: the person reloads when nothing is
 * running. When another tab switches versions, this page keeps running on what it loaded and keeps the notice.
 */
export function useAppUpdate(): AppUpdate {
  const asked = useRef(false);
  const {
    needRefresh: [waiting],
    updateServiceWorker,
  } = useRegisterSW({
    onNeedReload() {
      if (asked.current) window.location.reload();
    },
    onRegisterError(error: unknown) {
      // The page works without it (online); only offline use and updates are lost.
      console.warn('service worker registration failed', error);
    },
  });
  const reload = useCallback(() => {
    asked.current = true;
    void updateServiceWorker(true);
  }, [updateServiceWorker]);
  return { waiting, reload };
}
