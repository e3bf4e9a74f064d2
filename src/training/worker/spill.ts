import type * as tf from '@tensorflow/tfjs';
import { rowsToTensors, type CachedRow, type CutInfo, type RowStore } from './cache';

/**
 * Where the frozen-prefix activations go when they outgrow the memory budget: the browser's
 * storage (IndexedDB, idbSpill.ts) in the worker, a Map in tests. Rows are written one chunk per
 * transaction while caching and read one batch per transaction while training.
 */

export interface RowKey {
  image: number;
  view: number;
}

export interface RowSpill {
  /** Bytes the browser says are still free for this origin's storage; null when it does not say. */
  room(): Promise<number | null>;
  /** Deletes every stored row and the recorded cache key, freeing the storage. */
  clear(): Promise<void>;
  /** Starts a fill: deletes whatever is stored (stale rows of any key) and records `cacheKey`. */
  begin(cacheKey: string): Promise<void>;
  /** Stores rows, in one transaction. */
  put(rows: readonly CachedRow[]): Promise<void>;
  /**
   * Rows in the order asked, read in one transaction; rejects with SpillLostError when the
   * stored rows belong to another key or some are missing.
   */
  get(cacheKey: string, keys: readonly RowKey[]): Promise<Float32Array[]>;
}

/** Spilled rows were deleted under the run (another tab refilled them, or the browser evicted them). */
export class SpillLostError extends Error {}

/** Checks a read: right key, every row present and of the right length. */
export function checkedRows(
  cacheKey: string,
  storedKey: unknown,
  rows: readonly (Float32Array | undefined)[],
  keys: readonly RowKey[],
  rowSize?: number,
): Float32Array[] {
  const lost = (what: string) =>
    new SpillLostError(
      `The cached outputs of the frozen layers in the browser's storage (IndexedDB) ${what} (another tab may have trained, or the browser freed space): train again to cache them anew.`,
    );
  if (storedKey !== cacheKey) throw lost('were replaced');
  return rows.map((row, i) => {
    if (!(row instanceof Float32Array) || (rowSize !== undefined && row.length !== rowSize)) {
      throw lost(`are missing image ${keys[i].image} view ${keys[i].view}`);
    }
    return row;
  });
}

/** Cached activations kept in a RowSpill: each batch is read back when training asks for it. */
export class SpilledStore implements RowStore {
  readonly rowSize: number;
  readonly memoryBytes = 0;
  private lostRows = false;

  constructor(
    readonly spill: RowSpill,
    readonly key: string,
    readonly cut: CutInfo,
    readonly count: number,
    readonly views: number,
  ) {
    this.rowSize = cut.sizes.reduce((a, b) => a + b, 0);
  }

  get lost(): boolean {
    return this.lostRows;
  }

  async gather(indices: readonly number[], views: readonly number[]): Promise<tf.Tensor[]> {
    const keys = indices.map((image, i) => ({ image, view: views[i] }));
    let rows: Float32Array[];
    try {
      rows = checkedRows(this.key, this.key, await this.spill.get(this.key, keys), keys, this.rowSize);
    } catch (e) {
      if (e instanceof SpillLostError) this.lostRows = true;
      throw e;
    }
    // The rows go out of scope here: only the tensors stay.
    return rowsToTensors(this.cut, rows);
  }

  release(): Promise<void> {
    return this.spill.clear();
  }
}

/** The in-memory RowSpill the tests use (Node has no IndexedDB), counting what it is asked. */
export interface MemorySpill extends RowSpill {
  /** put() calls so far. */
  readonly puts: number;
  /** get() calls so far. */
  readonly gets: number;
  /** Rows stored now. */
  readonly size: number;
  /** The recorded cache key. */
  readonly cacheKey: string | null;
}

/**
 * A RowSpill in a Map. Rows are copied in and out, as IndexedDB's structured clone does.
 * `roomBytes` is what room() reports; a put that would take the stored bytes past `quotaBytes`
 * fails with a QuotaExceededError, as a full IndexedDB does.
 */
export function createMemorySpill(
  options: { roomBytes?: number | null; quotaBytes?: number } = {},
): MemorySpill {
  const rows = new Map<string, Float32Array>();
  let cacheKey: string | null = null;
  let bytes = 0;
  let puts = 0;
  let gets = 0;
  const id = (k: RowKey) => `${k.image}:${k.view}`;
  const clearAll = () => {
    rows.clear();
    bytes = 0;
    cacheKey = null;
  };
  return {
    get puts() {
      return puts;
    },
    get gets() {
      return gets;
    },
    get size() {
      return rows.size;
    },
    get cacheKey() {
      return cacheKey;
    },
    room: async () => options.roomBytes ?? null,
    clear: async () => clearAll(),
    begin: async (key) => {
      clearAll();
      cacheKey = key;
    },
    put: async (chunk) => {
      puts++;
      const added = chunk.reduce((a, r) => a + r.row.byteLength, 0);
      if (options.quotaBytes !== undefined && bytes + added > options.quotaBytes) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      for (const r of chunk) rows.set(id(r), r.row.slice());
      bytes += added;
    },
    get: async (key, keys) => {
      gets++;
      return checkedRows(
        key,
        cacheKey,
        keys.map((k) => rows.get(id(k))?.slice()),
        keys,
      );
    },
  };
}
