import * as tf from '@tensorflow/tfjs';
import type { TrainedWeights } from '../shared/types';
import type { WeightMap } from './compile';

/**
 * Trained weights between the worker's tensors and one transferable buffer: the checkpoint the
 * page stores after each epoch and hands back when a project is reopened.
 */

/** Packs named tensors (float32 or int32) into one buffer, in name order. */
export async function packWeights(
  modelId: string,
  epoch: number,
  weights: WeightMap,
): Promise<TrainedWeights> {
  const names = [...weights.keys()].sort();
  const values = await Promise.all(names.map((n) => weights.get(n)!.data()));
  const total = values.reduce((a, v) => a + v.length, 0);
  const data = new ArrayBuffer(total * 4);
  const entries: TrainedWeights['entries'] = [];
  let offset = 0;
  names.forEach((name, i) => {
    const t = weights.get(name)!;
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    const v = values[i];
    if (dtype === 'int32') new Int32Array(data, offset * 4, v.length).set(v as Int32Array);
    else new Float32Array(data, offset * 4, v.length).set(v as Float32Array);
    offset += v.length;
    entries.push({ name, shape: t.shape.slice(), dtype });
  });
  return { modelId, epoch, entries, data };
}

/** Unpacks a checkpoint into tensors (the caller owns them); throws on a buffer that does not match. */
export function unpackWeights(weights: TrainedWeights): WeightMap {
  const out: WeightMap = new Map();
  let offset = 0;
  for (const e of weights.entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if ((offset + size) * 4 > weights.data.byteLength) {
      tf.dispose([...out.values()]);
      throw new Error(`The trained weights are cut short at "${e.name}".`);
    }
    const values =
      e.dtype === 'int32'
        ? new Int32Array(weights.data.slice(offset * 4, (offset + size) * 4))
        : new Float32Array(weights.data.slice(offset * 4, (offset + size) * 4));
    out.set(e.name, tf.tensor(values, e.shape, e.dtype));
    offset += size;
  }
  return out;
}
