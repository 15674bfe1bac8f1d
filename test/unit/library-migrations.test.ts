import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LIBRARY_DB_VERSION, MIGRATIONS, openLibraryDb } from '../../src/data/library/db';
import { IdbClipLibrary } from '../../src/data/library/idb-library';
import { BUILTIN_LABEL_SET } from '../../src/data/library/label-sets';

const STORES = ['audio', 'checkpoints', 'clips', 'features', 'headFiles', 'heads', 'labelSets', 'settings'];
const versions = Array.from({ length: LIBRARY_DB_VERSION }, (_, i) => i + 1);

describe('library schema migrations', () => {
  it('has one migration per version', () => {
    expect(MIGRATIONS.length).toBe(LIBRARY_DB_VERSION);
    expect(LIBRARY_DB_VERSION).toBeGreaterThanOrEqual(1);
  });

  it.each(versions)(
    'upgrades a library created at version %i to the current version and keeps its data',
    async (start) => {
      const factory = new IDBFactory();
      const old = await openLibraryDb({ factory, name: 'm', version: start });
      expect(old.version).toBe(start);
      // Version-1 data: every later migration must carry it over.
      await old.put('clips', {
        id: 'c1',
        name: 'a.wav',
        label: 'sad',
        transcript: null,
        transcriptSource: null,
        speaker: '01',
        split: null,
        durationS: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        source: 'file',
        revision: 1,
      });
      await old.put('audio', { clipId: 'c1', pcm: new Float32Array([0.25, -0.5]), original: null });
      await old.put('settings', 'custom', 'activeLabelSet');
      old.close();

      // Every intermediate version opens in turn (as successive page versions would), then the current one.
      for (let v = start + 1; v <= LIBRARY_DB_VERSION; v++)
        (await openLibraryDb({ factory, name: 'm', version: v })).close();
      const db = await openLibraryDb({ factory, name: 'm' });
      expect(db.version).toBe(LIBRARY_DB_VERSION);
      expect([...db.objectStoreNames].sort()).toEqual(STORES);
      expect((await db.get('clips', 'c1'))?.label).toBe('sad');
      expect(Array.from((await db.get('audio', 'c1'))?.pcm ?? [])).toEqual([0.25, -0.5]);
      // The seed ran once, at creation: a later migration must not reset the person's choice.
      expect(await db.get('settings', 'activeLabelSet')).toBe('custom');
      expect(await db.get('labelSets', BUILTIN_LABEL_SET.id)).toEqual(BUILTIN_LABEL_SET);
      expect([...db.transaction('clips').store.indexNames].sort()).toEqual(['createdAt', 'label', 'speaker']);
      db.close();
    },
  );

  it('refuses versions it does not know', async () => {
    const factory = new IDBFactory();
    await expect(openLibraryDb({ factory, version: 0 })).rejects.toThrow(/between 1 and/);
    await expect(openLibraryDb({ factory, version: LIBRARY_DB_VERSION + 1 })).rejects.toThrow(/between 1 and/);
  });

  it('says "reload" when another page has already upgraded past this code', async () => {
    const factory = new IDBFactory();
    // Simulates a newer page: the raw API opening the database at a higher version than this code knows.
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('newer', LIBRARY_DB_VERSION + 1);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => {
        reject(new Error('open failed'));
      };
    });
    await expect(openLibraryDb({ factory, name: 'newer' })).rejects.toThrow(/Reload the page/);
  });

  it('closes an open connection when another one upgrades, so the upgrade is never blocked', async () => {
    const factory = new IDBFactory();
    let changed = 0;
    let blocked = 0;
    const first = await openLibraryDb({
      factory,
      name: 'shared',
      version: 1,
      onVersionChange: () => {
        changed++;
      },
    });
    // A newer page opening at a higher version (raw API, since this code only knows versions up to the current one).
    const upgraded = await new Promise<number>((resolve, reject) => {
      const request = factory.open('shared', LIBRARY_DB_VERSION + 1);
      request.onblocked = () => {
        blocked++;
      };
      request.onsuccess = () => {
        const v = request.result.version;
        request.result.close();
        resolve(v);
      };
      request.onerror = () => {
        reject(new Error('open failed'));
      };
    });
    expect(upgraded).toBe(LIBRARY_DB_VERSION + 1);
    expect(changed).toBe(1);
    expect(blocked).toBe(0);
    await expect(first.get('settings', 'activeLabelSet')).rejects.toThrow();
  });

  it('lets a library reopen by itself after another connection deleted the database', async () => {
    const factory = new IDBFactory();
    const library = await IdbClipLibrary.open({ factory, name: 'gone' });
    await library.setSetting('activeLabelSet', 'x');
    await new Promise<void>((resolve, reject) => {
      const request = factory.deleteDatabase('gone');
      request.onsuccess = () => {
        resolve();
      };
      request.onerror = () => {
        reject(new Error('delete failed'));
      };
      request.onblocked = () => {
        reject(new Error('delete blocked'));
      };
    });
    // A fresh, seeded library: nothing stuck, nothing thrown.
    expect(await library.getSetting('activeLabelSet')).toBe(BUILTIN_LABEL_SET.id);
    library.close();
  });
});
