import * as tf from '@tensorflow/tfjs';
import type { ModelGraph } from '../../core/types';
import type { AugmentationSettings, ResizeMode } from '../shared/types';
import type { Preprocessing } from '../../export/modelFiles';
import { Hasher } from './random';
import type { PrefixSplit } from './split';

/**
 * The frozen-prefix cache: the prefix runs once per image (and per augmented view) in inference
 * mode, and training reads its activations instead of recomputing them every epoch.
 */

/** Decoded, preprocessed images, as the model's input takes them (H×W×3 floats). */
export interface ImageSource {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** Pixels of image `index`, one array per requested view (view 0 is unaugmented). */
  load(index: number, views: readonly number[]): Promise<Float32Array[]>;
}

/** Per-example shapes and sizes of the cut tensors. */
export interface CutInfo {
  names: string[];
  shapes: number[][];
  sizes: number[];
}

/** Reads the cut tensors' per-example shapes from the compiled model. */
export function cutInfo(model: tf.LayersModel, split: PrefixSplit): CutInfo {
  const shapes = split.cut.map((name) => {
    const shape = model.getLayer(name).outputShape as (number | null)[];
    const rest = shape.slice(1);
    if (rest.some((d) => d === null)) {
      throw new Error(`The layer "${name}" has an unknown output size: give the model input a fixed size.`);
    }
    return rest as number[];
  });
  return { names: split.cut.slice(), shapes, sizes: shapes.map((s) => s.reduce((a, b) => a * b, 1)) };
}

/** Runs the prefix in inference mode: images [n,H,W,3] → one tensor per cut layer. */
export type PrefixRunner = (images: tf.Tensor) => tf.Tensor[];

/** A runner from the model input to the cut layers' outputs, sharing the model's layers. */
export function prefixRunner(model: tf.LayersModel, split: PrefixSplit): PrefixRunner {
  const inputNames = new Set(model.inputLayers.map((l) => l.name));
  const computed = split.cut.filter((n) => !inputNames.has(n));
  // Never dispose this model: it shares the full model's layers, and disposing it would free their weights.
  const sub = computed.length
    ? tf.model({
        inputs: model.inputs,
        outputs: computed.map((n) => model.getLayer(n).output as tf.SymbolicTensor),
      })
    : null;
  return (images) =>
    tf.tidy(() => {
      const outs = sub ? sub.predict(images) : [];
      const list = Array.isArray(outs) ? outs : [outs];
      const byName = new Map(computed.map((n, i) => [n, list[i]]));
      return split.cut.map((n) => byName.get(n) ?? images.clone());
    });
}

/** Cached activations: for each image and view, all cut tensors concatenated. */
export class ActivationStore implements RowStore {
  private readonly rows: Float32Array[][];
  readonly rowSize: number;

  constructor(
    readonly cut: CutInfo,
    readonly count: number,
    readonly views: number,
  ) {
    this.rowSize = cut.sizes.reduce((a, b) => a + b, 0);
    this.rows = Array.from({ length: count }, () => new Array<Float32Array>(views));
  }

  /** Bytes the store holds when full. */
  get bytes(): number {
    return this.count * this.views * this.rowSize * 4;
  }

  get memoryBytes(): number {
    return this.bytes;
  }

  set(image: number, view: number, row: Float32Array): void {
    this.rows[image][view] = row;
  }

  /** One image view's activations (all cut tensors concatenated). */
  row(image: number, view: number): Float32Array {
    const row = this.rows[image][view];
    if (!row) throw new Error(`No cached activations for image ${image} view ${view}.`);
    return row;
  }

  /** The cut tensors for a batch (one view per image); the caller disposes them. */
  gather(indices: readonly number[], views: readonly number[]): tf.Tensor[] {
    return rowsToTensors(
      this.cut,
      indices.map((image, i) => this.row(image, views[i])),
    );
  }
}

/** Splits concatenated rows back into one batch tensor per cut layer; the caller disposes them. */
export function rowsToTensors(cut: CutInfo, rows: readonly Float32Array[]): tf.Tensor[] {
  let offset = 0;
  return cut.sizes.map((size, c) => {
    const at = offset;
    offset += size;
    const data = new Float32Array(rows.length * size);
    rows.forEach((row, i) => data.set(row.subarray(at, at + size), i * size));
    return tf.tensor(data, [rows.length, ...cut.shapes[c]]);
  });
}

/** Filled cached activations, in memory (ActivationStore) or in the browser's storage (SpilledStore). */
export interface RowStore {
  readonly count: number;
  readonly views: number;
  /** Bytes it holds in this worker's memory. */
  readonly memoryBytes: number;
  /** The cut tensors for a batch (one view per image); the caller disposes them. */
  gather(indices: readonly number[], views: readonly number[]): tf.Tensor[] | Promise<tf.Tensor[]>;
  /** Frees what the store keeps outside this worker's memory (spilled rows). */
  release?(): Promise<void>;
  /** True once its rows were found missing: it must not be reused. */
  readonly lost?: boolean;
}

/** Bytes the cache would need. */
export function cacheBytes(cut: CutInfo, images: number, views: number): number {
  return cut.sizes.reduce((a, b) => a + b, 0) * images * views * 4;
}

/** Where a batch's cut activations come from: the cache, or the prefix run live. */
export interface FeatureSource {
  readonly mode: 'cache' | 'live';
  /** Cut tensors for these images (one view each); the caller disposes them. */
  batch(indices: readonly number[], views: readonly number[]): Promise<tf.Tensor[]>;
}

/** Stacks per-image pixel arrays into one [n,H,W,3] tensor. */
function stack(images: readonly Float32Array[], height: number, width: number): tf.Tensor {
  const size = height * width * 3;
  const data = new Float32Array(images.length * size);
  images.forEach((img, i) => data.set(img, i * size));
  return tf.tensor4d(data, [images.length, height, width, 3]);
}

/** Features read from a filled store. */
export function cachedFeatures(store: RowStore): FeatureSource {
  return { mode: 'cache', batch: async (indices, views) => store.gather(indices, views) };
}

/** Features computed by running the prefix on every batch (when the cache does not fit). */
export function liveFeatures(source: ImageSource, run: PrefixRunner): FeatureSource {
  return {
    mode: 'live',
    async batch(indices, views) {
      const pixels = await Promise.all(indices.map((image, i) => source.load(image, [views[i]])));
      const x = stack(
        pixels.map((p) => p[0]),
        source.height,
        source.width,
      );
      try {
        return run(x);
      } finally {
        x.dispose();
      }
    },
  };
}

export interface FillOptions {
  /** Images per prefix batch. */
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

/** One image view's activations (all cut tensors concatenated). */
export interface CachedRow {
  image: number;
  view: number;
  row: Float32Array;
}

/**
 * Runs the prefix over every image and view, handing each chunk's rows to `write` (each row
 * its own buffer); false when stopped.
 */
export async function fillRows(
  cut: CutInfo,
  count: number,
  viewCount: number,
  source: ImageSource,
  run: PrefixRunner,
  options: FillOptions,
  write: (rows: CachedRow[]) => void | Promise<void>,
): Promise<boolean> {
  const views = Array.from({ length: viewCount }, (_, v) => v);
  const rowSize = cut.sizes.reduce((a, b) => a + b, 0);
  const perChunk = Math.max(1, Math.floor(options.batchSize / viewCount));
  const chunk = (start: number) =>
    Array.from({ length: Math.min(perChunk, count - start) }, (_, i) => start + i);
  // The next chunk's images decode while this one runs through the prefix (the browser decodes
  // off the worker's thread). A prefetch that fails is reported when its turn comes.
  const load = (start: number): Promise<Float32Array[]> => {
    const pending = Promise.all(chunk(start).map((i) => source.load(i, views))).then((p) => p.flat());
    pending.catch(() => undefined);
    return pending;
  };
  let next = count > 0 ? load(0) : null;
  for (let start = 0; start < count; start += perChunk) {
    if (options.shouldStop?.()) return false;
    const images = chunk(start);
    const pixels = await next!;
    next = start + perChunk < count ? load(start + perChunk) : null;
    const x = stack(pixels, source.height, source.width);
    const outs = run(x);
    x.dispose();
    const datas = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    const rows: CachedRow[] = [];
    images.forEach((image, i) => {
      for (let v = 0; v < viewCount; v++) {
        const row = new Float32Array(rowSize);
        let offset = 0;
        cut.sizes.forEach((size, c) => {
          const at = (i * viewCount + v) * size;
          row.set(datas[c].subarray(at, at + size), offset);
          offset += size;
        });
        rows.push({ image, view: v, row });
      }
    });
    await write(rows);
    options.onProgress?.(start + images.length, count);
  }
  return true;
}

/** Runs the prefix over every image and view into the store; false when stopped. */
export function fillStore(
  store: ActivationStore,
  source: ImageSource,
  run: PrefixRunner,
  options: FillOptions,
): Promise<boolean> {
  return fillRows(store.cut, store.count, store.views, source, run, options, (rows) =>
    rows.forEach((r) => store.set(r.image, r.view, r.row)),
  );
}

export interface CacheKeyParts {
  graph: ModelGraph;
  split: PrefixSplit;
  model: tf.LayersModel;
  preprocessing: Preprocessing;
  resize: ResizeMode;
  images: readonly { id: string; size: number }[];
  /** Null when augmentation is off. */
  augmentation: AugmentationSettings | null;
  seed: number;
}

/**
 * Identity of the cached activations. The prefix weights are hashed by value, so the key
 * changes exactly when the frozen layers compute something else.
 */
export async function cacheKey(parts: CacheKeyParts): Promise<string> {
  const h = new Hasher();
  for (const layer of parts.graph.layers) {
    if (!parts.split.prefix.has(layer.name)) continue;
    h.text(`${layer.name}|${layer.className}|${layer.inbound.join(',')}|${JSON.stringify(layer.config)}`);
  }
  h.text(parts.split.cut.join(','));
  h.text(`${parts.preprocessing}|${parts.resize}`);
  for (const img of parts.images) h.text(`${img.id}:${img.size}`);
  h.text(parts.augmentation ? `${JSON.stringify(parts.augmentation)}|${parts.seed}` : 'no-augmentation');
  const vars = parts.model.layers.filter((l) => parts.split.prefix.has(l.name)).flatMap((l) => l.weights);
  // Concatenate into few tensors so a GPU backend reads back a handful of buffers, not hundreds.
  const groups: tf.LayerVariable[][] = [[]];
  let inGroup = 0;
  for (const v of vars) {
    const n = v.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    if (inGroup + n > 1 << 22 && groups[groups.length - 1].length) {
      groups.push([]);
      inGroup = 0;
    }
    groups[groups.length - 1].push(v);
    inGroup += n;
  }
  for (const group of groups) {
    if (!group.length) continue;
    const flat = tf.tidy(() => tf.concat(group.map((v) => v.read().flatten())));
    const data = (await flat.data()) as Float32Array;
    flat.dispose();
    h.words(new Uint32Array(data.buffer, data.byteOffset, data.length));
  }
  return h.digest();
}
