/**
 * Which model pair the page loads. `?pair=` decides when given. Otherwise the pair the person chose here on an
 * earlier visit, when it would load from this browser's model cache alone, else the manifest's default pair (the
 * embedded one: no download, works offline). A remembered pair that fails to load falls back to the default with a
 * notice, so a visit never ends at a dead end.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../core/errors';
import { CacheApiStore } from '../runtime/cache';
import { isWeightFree, type Manifest } from '../runtime/manifest';
import { fetchManifest } from '../runtime/manifest-fetch';
import { isPairCached } from '../runtime/pair-cache';
import { hubUrlSetting, manifestUrl } from '../page/manifest-url';
import { FALLBACK_PAIR, pairShortName, type UrlOptions } from '../page/url-options';
import { useUrlOptions } from './useUrlOptions';

/** Where the pair in use comes from: the address bar, the person's remembered choice, or the manifest's default. */
export type PairSource = 'url' | 'remembered' | 'default';

/** The pair the page loads, where that choice comes from, and the person's ways to change it. */
export interface UsePairChoice {
  /** The parsed manifest, or null while it loads or when it could not be read (the worker then reports why). */
  readonly manifest: Manifest | null;
  /** The pair to load; null while the page is still deciding (reading the manifest, looking into the cache). */
  readonly pair: string | null;
  readonly source: PairSource;
  /** The manifest's default pair when it needs no download (the one offered as the way back), else null. */
  readonly embeddedPair: string | null;
  readonly options: UrlOptions;
  /** Why the page is not on the pair chosen last time (not cached any more, or it failed to load). */
  readonly notice: string | null;
  readonly dismissNotice: () => void;
  /** The person picks a pair: it loads now and, once it has loaded, later visits without `?pair` use it too. */
  readonly choose: (pair: string) => void;
  /** Tells the choice that `pair` finished loading (a pair chosen in the page is remembered from then on). */
  readonly loaded: (pair: string) => void;
  /** Tells the choice that `pair` failed to load; a remembered pair then gives way to the default pair. */
  readonly failed: (pair: string, error: ErrorInfo) => void;
}

const STORAGE_KEY = 'mmer:pair';

function readRemembered(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be switched off (some private modes throw): nothing is remembered then.
    return null;
  }
}

function writeRemembered(pair: string | null): void {
  try {
    if (pair === null) window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, pair);
  } catch {
    // See readRemembered.
  }
}

/** Whether `pair` would load without a network: weight-free, or every file it reads is in the model cache. */
async function loadsOffline(manifest: Manifest, pair: string): Promise<boolean> {
  if (isWeightFree(manifest, pair)) return true;
  if (typeof caches === 'undefined') return false;
  const store = new CacheApiStore();
  return isPairCached(manifest, manifestUrl(), pair, (key) => store.has(key)).catch(() => false);
}

interface Decision {
  readonly pair: string;
  readonly source: 'remembered' | 'default';
}

/** Decides the page's model pair (see the module comment) and records the person's choices. */
export function usePairChoice(): UsePairChoice {
  const [options, setUrlPair] = useUrlOptions();
  const [manifest, setManifest] = useState<Manifest | 'failed' | null>(null);
  /** The remembered choice as this visit found it (later choices set `override`). */
  const [remembered] = useState(readRemembered);
  /** Whether the remembered pair loads from the cache, once looked into. */
  const [verdict, setVerdict] = useState<{ pair: string; ok: boolean } | null>(null);
  /** A decision taken during this visit (a choice of the default pair, or a fallback), above the remembered one. */
  const [override, setOverride] = useState<Decision | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** A pair chosen in the page that has not finished loading yet (remembered once it has). */
  const pendingRef = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    fetchManifest(manifestUrl(), hubUrlSetting()).then(
      (m) => {
        if (live) setManifest(m);
      },
      () => {
        if (live) setManifest('failed');
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const parsed = manifest === 'failed' ? null : manifest;
  const defaultPair = parsed?.defaultPair ?? FALLBACK_PAIR;
  /** The remembered pair when it is worth a look into the cache (known, and not the default anyway). */
  const candidate =
    parsed !== null && remembered !== null && remembered !== parsed.defaultPair && remembered in parsed.pairs
      ? remembered
      : null;
  const needsLook = options.pair === null && override === null && candidate !== null && verdict?.pair !== candidate;

  useEffect(() => {
    if (!needsLook || parsed === null) return;
    let live = true;
    void loadsOffline(parsed, candidate).then((ok) => {
      if (!live) return;
      if (!ok) {
        setNotice(
          `The ${pairShortName(candidate)} models you chose on an earlier visit are no longer in this browser's cache, so the embedded model is in use. Choose them again to download them.`,
        );
      }
      setVerdict({ pair: candidate, ok });
    });
    return () => {
      live = false;
    };
  }, [needsLook, parsed, candidate]);

  let decision: Decision | null;
  if (override !== null) decision = override;
  else if (manifest === null || needsLook) decision = null;
  else if (candidate !== null && verdict?.ok === true) decision = { pair: candidate, source: 'remembered' };
  else decision = { pair: defaultPair, source: 'default' };

  const choose = useCallback(
    (pair: string) => {
      setNotice(null);
      if (pair === defaultPair) {
        pendingRef.current = null;
        writeRemembered(null);
        setOverride({ pair, source: 'default' });
        setUrlPair(null);
        return;
      }
      pendingRef.current = pair;
      setUrlPair(pair);
    },
    [defaultPair, setUrlPair],
  );

  const loaded = useCallback((pair: string) => {
    if (pendingRef.current !== pair) return;
    pendingRef.current = null;
    writeRemembered(pair);
  }, []);

  const source: PairSource = options.pair !== null ? 'url' : (decision?.source ?? 'default');
  const fromMemory = source === 'remembered' ? decision?.pair : undefined;
  const failed = useCallback(
    (pair: string, error: ErrorInfo) => {
      if (fromMemory !== pair) return;
      setNotice(
        `The ${pairShortName(pair)} models could not be loaded (${error.message}), so the embedded model is in use.`,
      );
      setOverride({ pair: defaultPair, source: 'default' });
    },
    [fromMemory, defaultPair],
  );

  const dismissNotice = useCallback(() => {
    setNotice(null);
  }, []);

  return {
    manifest: parsed,
    pair: options.pair ?? decision?.pair ?? null,
    source,
    embeddedPair: parsed !== null && isWeightFree(parsed, parsed.defaultPair) ? parsed.defaultPair : null,
    options,
    notice,
    dismissNotice,
    choose,
    loaded,
    failed,
  };
}
