import { isQuotaError } from '../../data/db';
import type { TrainEvent } from '../shared/types';
import {
  ActivationStore,
  cacheBytes,
  cachedFeatures,
  fillRows,
  fillStore,
  liveFeatures,
  type CutInfo,
  type FeatureSource,
  type ImageSource,
  type PrefixRunner,
  type RowStore,
} from './cache';
import { SpilledStore, type RowSpill } from './spill';

/**
 * Chooses where a run's cut activations come from: the cache of the last run, a new cache in
 * memory, a new cache in the browser's storage when memory is over budget, or the prefix run
 * live on every batch when neither fits.
 */

const MIB = 1024 * 1024;

/** "0.01 MiB", "3.5 MiB", "1024 MiB": small budgets must not read as "0 MiB". */
export function mib(bytes: number): string {
  const m = bytes / MIB;
  const text = m >= 10 ? String(Math.round(m)) : String(Number(m.toPrecision(2)));
  return `${text} MiB`;
}

export interface PrepareOptions {
  key: string;
  /** A filled store whose key matched, to reuse as is. */
  reuse: RowStore | null;
  cut: CutInfo;
  source: ImageSource;
  run: PrefixRunner;
  /** Views per image: 1 + augmented views. */
  views: number;
  budgetBytes: number;
  /** Storage for a cache over the memory budget; without it such a cache runs live. */
  spill?: RowSpill | null;
  prefixBatchSize: number;
  emit: (e: TrainEvent) => void;
  shouldStop: () => boolean;
  now: () => number;
}

export interface PreparedFeatures {
  /** Null when stopped while caching. */
  features: FeatureSource | null;
  /** The filled store to keep for the next run (null when running live). */
  store: RowStore | null;
  cacheMs: number;
}

/** A failed write to the spill, told apart from failures of decoding or of the prefix. */
class SpillWriteError extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

const storageOf = (store: RowStore) => (store instanceof SpilledStore ? 'indexeddb' : 'memory');

/** Reuses the cache, fills a new one (in memory or spilled), or runs the prefix live, reporting as it goes. */
export async function prepareFeatures(o: PrepareOptions): Promise<PreparedFeatures> {
  const count = o.source.count;
  if (o.reuse) {
    o.emit({
      type: 'cache',
      done: count,
      total: count,
      imagesPerSecond: 0,
      reused: true,
      storage: storageOf(o.reuse),
    });
    return { features: cachedFeatures(o.reuse), store: o.reuse, cacheMs: 0 };
  }
  const t0 = o.now();
  const fill = {
    batchSize: o.prefixBatchSize,
    shouldStop: o.shouldStop,
    onProgress: (done: number, total: number, storage: 'memory' | 'indexeddb') =>
      o.emit({
        type: 'cache',
        done,
        total,
        imagesPerSecond: (done * 1000) / Math.max(1, o.now() - t0),
        reused: false,
        storage,
      }),
  };
  const caching = `the outputs of the frozen layers (${o.cut.names.join(', ')})`;
  const bytes = cacheBytes(o.cut, count, o.views);

  if (bytes <= o.budgetBytes) {
    o.emit({ type: 'status', text: `Caching ${caching}…` });
    const store = new ActivationStore(o.cut, count, o.views);
    const filled = await fillStore(store, o.source, o.run, {
      ...fill,
      onProgress: (done, total) => fill.onProgress(done, total, 'memory'),
    });
    const cacheMs = o.now() - t0;
    return filled
      ? { features: cachedFeatures(store), store, cacheMs }
      : { features: null, store: null, cacheMs };
  }

  const over = `The frozen layers' outputs take ${mib(bytes)}, more than the ${mib(o.budgetBytes)} cache budget (Cache memory budget in the Training panel)`;
  const live = (why: string): PreparedFeatures => {
    o.emit({
      type: 'status',
      text: `${over}${why}: they are computed again for every batch instead, which is slower. Fewer images, fewer augmented views or a later cut (freeze more layers) make them fit.`,
    });
    return { features: liveFeatures(o.source, o.run), store: null, cacheMs: o.now() - t0 };
  };
  const spill = o.spill;
  if (!spill) return live('');
  const room = await spill.room().catch(() => null);
  if (room !== null && bytes > room) {
    return live(`, and the browser's storage has only ${mib(room)} free`);
  }

  o.emit({
    type: 'status',
    text: `${over}: they are kept in the browser's storage (IndexedDB) and read back for each batch. Caching ${caching}…`,
  });
  const store = new SpilledStore(spill, o.key, o.cut, count, o.views);
  const write = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (e) {
      throw new SpillWriteError(e);
    }
  };
  let filled: boolean;
  try {
    await write(() => spill.begin(o.key));
    filled = await fillRows(
      o.cut,
      count,
      o.views,
      o.source,
      o.run,
      { ...fill, onProgress: (done, total) => fill.onProgress(done, total, 'indexeddb') },
      (rows) => write(() => spill.put(rows)),
    );
  } catch (e) {
    // Half a cache is of no use: free what was written.
    await spill.clear().catch(() => {});
    if (!(e instanceof SpillWriteError)) throw e;
    return live(
      isQuotaError(e.reason)
        ? `, and the browser's storage ran out while storing them (free space by deleting projects you no longer need)`
        : `, and storing them in the browser's storage (IndexedDB) failed (${e.message})`,
    );
  }
  const cacheMs = o.now() - t0;
  if (!filled) {
    await spill.clear().catch(() => {});
    return { features: null, store: null, cacheMs };
  }
  return { features: cachedFeatures(store), store, cacheMs };
}
