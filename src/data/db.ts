import { clear, createStore, delMany, get, getMany, keys, set, setMany, type UseStore } from 'idb-keyval';
import type { DatasetIndex, ImageMeta } from './types';

/**
 * Where the dataset lives: IndexedDB in the browser, a Map in tests and in windows without
 * storage. The table of contents is one key; each image has a metadata key (with its thumbnail)
 * and a blob key, so listing the dataset never reads the normalised images.
 */

/** Storage for the dataset; the store depends on this interface only, so tests swap it. */
export interface DatasetDb {
  /** False for the in-memory fallback: nothing survives a reload. */
  readonly persistent: boolean;
  getIndex(): Promise<DatasetIndex | undefined>;
  setIndex(index: DatasetIndex): Promise<void>;
  /** Stores images and their metadata in one transaction: all of them or none. */
  putImages(items: { meta: ImageMeta; blob: Blob }[]): Promise<void>;
  getMetas(ids: string[]): Promise<(ImageMeta | undefined)[]>;
  getBlobs(ids: string[]): Promise<(Blob | undefined)[]>;
  deleteImages(ids: string[]): Promise<void>;
  /** Ids of every stored image, referenced by the index or not. */
  storedImageIds(): Promise<string[]>;
  clear(): Promise<void>;
}

const INDEX_KEY = 'index';
const metaKey = (id: string) => `meta:${id}`;
const blobKey = (id: string) => `blob:${id}`;

/** The database of the first project, and of datasets stored before projects existed. */
export const DEFAULT_DATASET_DB = 'retrain-dataset';

/** An IndexedDB dataset database (one per project). Opening it may fail (private windows): callers probe with getIndex. */
export function createIdbDb(name = DEFAULT_DATASET_DB): DatasetDb {
  // Opened on first use: createStore opens the database at once, and importing must not.
  let store: UseStore | null = null;
  const s = (): UseStore => (store ??= createStore(name, 'dataset'));
  return {
    persistent: true,
    getIndex: () => get<DatasetIndex>(INDEX_KEY, s()),
    setIndex: (index) => set(INDEX_KEY, index, s()),
    putImages: (items) =>
      setMany(
        items.flatMap(({ meta, blob }) => [
          [metaKey(meta.id), meta] as [IDBValidKey, unknown],
          [blobKey(meta.id), blob] as [IDBValidKey, unknown],
        ]),
        s(),
      ),
    getMetas: (ids) => getMany<ImageMeta>(ids.map(metaKey), s()),
    getBlobs: (ids) => getMany<Blob>(ids.map(blobKey), s()),
    deleteImages: (ids) => delMany([...ids.map(metaKey), ...ids.map(blobKey)], s()),
    storedImageIds: async () =>
      (await keys<string>(s()))
        .filter((k) => typeof k === 'string' && k.startsWith('meta:'))
        .map((k) => k.slice(5)),
    clear: () => clear(s()),
  };
}

/** A dataset database in memory, for tests and for windows where IndexedDB is unavailable. */
export function createMemoryDb(): DatasetDb {
  let index: DatasetIndex | undefined;
  const metas = new Map<string, ImageMeta>();
  const blobs = new Map<string, Blob>();
  return {
    persistent: false,
    getIndex: async () => (index ? structuredClone(index) : undefined),
    setIndex: async (next) => {
      index = structuredClone(next);
    },
    putImages: async (items) => {
      for (const { meta, blob } of items) {
        metas.set(meta.id, meta);
        blobs.set(meta.id, blob);
      }
    },
    getMetas: async (ids) => ids.map((id) => metas.get(id)),
    getBlobs: async (ids) => ids.map((id) => blobs.get(id)),
    deleteImages: async (ids) => {
      for (const id of ids) {
        metas.delete(id);
        blobs.delete(id);
      }
    },
    storedImageIds: async () => [...metas.keys()],
    clear: async () => {
      index = undefined;
      metas.clear();
      blobs.clear();
    },
  };
}

/** Whether an error means the browser's storage quota is used up. */
export function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/**
 * The dataset database that moves to memory when storage is full: the first write refused for
 * quota calls `onFull`, and from then on writes go to memory (reads look there first), so the
 * user keeps working and only loses what was not saved on reload.
 */
export function withMemoryFallback(primary: DatasetDb, onFull: () => void): DatasetDb {
  const memory = createMemoryDb();
  let full = false;
  const write = async (toPrimary: () => Promise<void>, toMemory: () => Promise<void>): Promise<void> => {
    if (!full) {
      try {
        return await toPrimary();
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        full = true;
        onFull();
      }
    }
    return toMemory();
  };
  const merged = async <T>(
    ids: string[],
    read: (db: DatasetDb, ids: string[]) => Promise<(T | undefined)[]>,
  ): Promise<(T | undefined)[]> => {
    if (!full) return read(primary, ids);
    const fromMemory = await read(memory, ids);
    const missing = ids.filter((_, i) => fromMemory[i] === undefined);
    const fromPrimary = missing.length ? await read(primary, missing) : [];
    const byId = new Map(missing.map((id, i) => [id, fromPrimary[i]]));
    return ids.map((id, i) => fromMemory[i] ?? byId.get(id));
  };
  return {
    get persistent() {
      return primary.persistent && !full;
    },
    getIndex: () => (full ? memory.getIndex() : primary.getIndex()),
    setIndex: (index) =>
      write(
        () => primary.setIndex(index),
        () => memory.setIndex(index),
      ),
    putImages: (items) =>
      write(
        () => primary.putImages(items),
        () => memory.putImages(items),
      ),
    getMetas: (ids) => merged(ids, (db, some) => db.getMetas(some)),
    getBlobs: (ids) => merged(ids, (db, some) => db.getBlobs(some)),
    deleteImages: async (ids) => {
      await memory.deleteImages(ids);
      await primary.deleteImages(ids);
    },
    storedImageIds: async () => [
      ...new Set([...(await primary.storedImageIds()), ...(await memory.storedImageIds())]),
    ],
    clear: async () => {
      await memory.clear();
      await primary.clear();
    },
  };
}
