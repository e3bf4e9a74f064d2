import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../core/types';
import { createRng } from './random';
import { splitGraph, weightsFromModel } from './split';
import { buildSuffix } from './suffix';
import { convGraph, modelWithWeights } from './testkit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The suffix's output for the same cut tensors in training and in inference mode. */
async function outputs(graph: ModelGraph): Promise<{ train: Float32Array; infer: Float32Array }> {
  const { model } = await modelWithWeights(graph);
  // A new output layer starts from zeros (a uniform output whatever comes in): give it weights.
  const kernel = model.getLayer('out').weights[0];
  const value = tf.randomNormal(kernel.shape as number[], 0, 1, 'float32', 3);
  kernel.write(value);
  value.dispose();
  const split = splitGraph(graph, weightsFromModel(model));
  const suffix = buildSuffix(graph, model, split);
  const cut = split.cut.map((name) => {
    const shape = (model.getLayer(name).outputShape as number[]).slice(1);
    return tf.randomUniform([4, ...shape], 0, 1, 'float32', 7);
  });
  const train = tf.tidy(() => suffix.forward(cut, true, createRng(1)).dataSync() as Float32Array);
  const infer = tf.tidy(() => suffix.forward(cut, false).dataSync() as Float32Array);
  tf.dispose(cut);
  model.dispose();
  return { train, infer };
}

describe('Dropout in the trained suffix', () => {
  it('drops units while training when it is not frozen', async () => {
    const { train, infer } = await outputs(convGraph());
    expect(Array.from(train)).not.toEqual(Array.from(infer));
  });

  it('passes its input on when it is frozen (frozen layers run in inference mode)', async () => {
    const g = convGraph();
    const frozen: ModelGraph = {
      ...g,
      layers: g.layers.map((l) => (l.name === 'drop' ? { ...l, trainable: false } : l)),
    };
    const { train, infer } = await outputs(frozen);
    expect(Array.from(train)).toEqual(Array.from(infer));
  });
});
