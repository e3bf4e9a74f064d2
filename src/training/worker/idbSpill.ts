import { clear, createStore, getMany, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import { checkedRows, type RowSpill } from './spill';

/**
 * The RowSpill of the worker: one IndexedDB object store, rows keyed [image, view], plus the
 * cache key the rows belong to under KEY. One transaction per fill chunk and per batch.
 */

const DB_NAME = 'retrain-activation-cache';
const STORE_NAME = 'rows';
const KEY = 'cache-key';

/** The IndexedDB RowSpill; the database opens on first use. */
export function idbSpill(): RowSpill {
  let store: UseStore | null = null;
  const db = () => (store ??= createStore(DB_NAME, STORE_NAME));
  return {
    async room() {
      const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined;
      if (!storage?.estimate) return null;
      const estimate = await storage.estimate().catch(() => null);
      if (!estimate || typeof estimate.quota !== 'number') return null;
      return Math.max(0, estimate.quota - (estimate.usage ?? 0));
    },
    clear: () => clear(db()),
    begin: (cacheKey) =>
      db()('readwrite', (s) => {
        s.clear();
        s.put(cacheKey, KEY);
        return promisifyRequest(s.transaction);
      }),
    put: (rows) =>
      setMany(
        rows.map((r): [IDBValidKey, Float32Array] => [[r.image, r.view], r.row]),
        db(),
      ),
    async get(cacheKey, keys) {
      const [stored, ...rows] = await getMany<unknown>([KEY, ...keys.map((k) => [k.image, k.view])], db());
      return checkedRows(
        cacheKey,
        stored,
        rows.map((r) => (r instanceof Float32Array ? r : undefined)),
        keys,
      );
    },
  };
}
