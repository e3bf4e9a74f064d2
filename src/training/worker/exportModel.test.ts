import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteLayers, insertAfter, setTrainable } from '../../core/graph';
import { getLayerSpec } from '../../core/layers/registry';
import type { ModelGraph } from '../../core/types';
import { parseModelJson, type Preprocessing, type RetrainBlock } from '../../export/modelFiles';
import { DEFAULT_SETTINGS, type TrainRequest } from '../shared/types';
import { createTrainingApi } from './api';
import { buildModel, type WeightMap } from './compile';
import { bakeRescaling, exportLayersModel } from './exportModel';
import { blobSource, pixelBlob, syntheticImages } from './testkit';
import { loadWeights } from './weightsLoader';

const TINY = join(process.cwd(), 'public/models/tiny_cnn');
const tinyJson = readFileSync(join(TINY, 'model.json'), 'utf8');
const tinyBin = readFileSync(join(TINY, 'weights.bin'));

let tiny: ReturnType<typeof parseModelJson>;
const tinyWeights = (): Promise<WeightMap> =>
  loadWeights({
    kind: 'buffers',
    manifest: tiny.manifest,
    buffers: {
      'weights.bin': tinyBin.buffer.slice(tinyBin.byteOffset, tinyBin.byteOffset + tinyBin.byteLength),
    },
  });

/** Tiny CNN as the e2e tests edit it: a new two-class softmax head, conv1 frozen. */
function editedTiny(): ModelGraph {
  const deleted = deleteLayers(tiny.graph, ['dense_2']);
  if (!deleted.ok) throw new Error(deleted.error);
  const dense = getLayerSpec('Dense')!.defaults();
  const head = insertAfter(deleted.graph, 'dropout_1', {
    name: 'dense_3',
    className: 'Dense',
    config: { ...dense, units: 2, activation: 'softmax' },
    inbound: [],
    trainable: true,
  });
  if (!head.ok) throw new Error(head.error);
  return setTrainable(head.graph, ['conv1'], false);
}

/** Loads an export the way an outside client would: model.json + weights.bin through tf.io.fromMemory. */
async function loadExport(modelJson: string, weights: ArrayBuffer): Promise<tf.LayersModel> {
  const json = JSON.parse(modelJson) as tf.io.ModelJSON;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights,
    }),
  );
}

const pixels255 = (seed: number, size = 64) =>
  tf.tidy(() => tf.floor(tf.randomUniform([2, size, size, 3], 0, 256, 'float32', seed)));

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

beforeAll(async () => {
  await tf.setBackend('cpu');
  tiny = parseModelJson(tinyJson);
});

describe('exportLayersModel', () => {
  const cases: [Preprocessing, (x: tf.Tensor) => tf.Tensor][] = [
    ['0..1', (x) => tf.div(x, 255)],
    ['-1..1', (x) => tf.sub(tf.div(x, 127.5), 1)],
    ['none', (x) => x],
  ];
  for (const [preprocessing, scale] of cases) {
    it(`bakes "${preprocessing}" in: the export on 0..255 equals the original on scaled input`, async () => {
      const weights = await tinyWeights();
      const graph = editedTiny();
      const { model } = await buildModel(graph, weights, undefined, { seed: 5 });
      // A non-zero head, so the comparison is not between two uniform outputs.
      const head = model.getLayer('dense_3');
      head.setWeights(head.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', i + 1)));
      const before = tf.memory().numTensors;
      const exported = await exportLayersModel(model, graph, {
        preprocessing,
        title: 'Tiny CNN',
        labels: ['a', 'b'],
      });
      expect(tf.memory().numTensors).toBe(before);
      const loaded = await loadExport(exported.modelJson, exported.weights);
      const x = pixels255(7);
      const want = tf.tidy(() => model.predict(scale(x)) as tf.Tensor);
      const got = loaded.predict(x) as tf.Tensor;
      expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-5);
      expect(
        tf.tidy(() => tf.max(tf.abs(tf.sub(want.slice([0, 0], [1, 1]), 0.5))).dataSync()[0]),
      ).toBeGreaterThan(1e-3);
      const second = loaded.layers[1];
      if (preprocessing === 'none') {
        expect(exported.rescalingLayer).toBeNull();
        expect(second.name).toBe('conv1');
      } else {
        expect(exported.rescalingLayer).toBe('retrain_rescaling');
        expect(second.getClassName()).toBe('Rescaling');
        expect(second.name).toBe('retrain_rescaling');
        expect(loaded.layers[0].getClassName()).toBe('InputLayer');
        expect(loaded.getLayer('conv1').inboundNodes[0].inboundLayers.map((l) => l.name)).toEqual([
          'retrain_rescaling',
        ]);
      }
      // Freeze state travels in the topology.
      expect(loaded.getLayer('conv1').trainable).toBe(false);
      expect(loaded.getLayer('dense_3').trainable).toBe(true);
      tf.dispose([x, want, got]);
      loaded.dispose();
      model.dispose();
      tf.dispose([...weights.values()]);
    });
  }

  it('writes a standard layers model.json whose retrain block undoes the baking on re-open', async () => {
    const weights = await tinyWeights();
    const graph = editedTiny();
    const { model } = await buildModel(graph, weights);
    const exported = await exportLayersModel(model, graph, {
      preprocessing: '0..1',
      title: 'Tiny CNN',
      labels: ['red_blobs', 'blue_stripes'],
    });
    const json = JSON.parse(exported.modelJson) as Record<string, unknown> & { retrain: RetrainBlock };
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v4\.22/);
    expect(json.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: expect.arrayContaining([
          expect.objectContaining({ name: 'conv1/kernel', dtype: 'float32' }),
        ]),
      },
    ]);
    expect(json.retrain).toEqual({
      title: 'Tiny CNN',
      preprocessing: 'none',
      bakedRescaling: 'retrain_rescaling',
      originalPreprocessing: '0..1',
      labels: ['red_blobs', 'blue_stripes'],
      inputSize: [64, 64],
    });
    // Read back as the editor reads model files: the same layers as before the export.
    const parsed = parseModelJson(exported.modelJson);
    const shape = (g: ModelGraph) =>
      g.layers.map((l) => ({
        name: l.name,
        className: l.className,
        config: l.config,
        trainable: l.trainable,
        inbound: l.inbound,
      }));
    expect(shape(parsed.graph)).toEqual(shape(graph));
    expect(parsed.graph.inputs).toEqual(graph.inputs);
    expect(parsed.graph.outputs).toEqual(graph.outputs);
    expect(parsed.retrain?.preprocessing).toBe('0..1');
    // Its weights are the exported ones, keyed the way the worker looks them up.
    const reloaded = await loadWeights({
      kind: 'buffers',
      manifest: parsed.manifest,
      buffers: { 'weights.bin': exported.weights },
    });
    const rebuilt = await buildModel(parsed.graph, reloaded);
    expect(rebuilt.fresh).toEqual([]);
    const x = pixels255(3);
    const a = tf.tidy(() => model.predict(tf.div(x, 255)) as tf.Tensor);
    const b = tf.tidy(() => rebuilt.model.predict(tf.div(x, 255)) as tf.Tensor);
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, a, b, ...weights.values(), ...reloaded.values()]);
    model.dispose();
    rebuilt.model.dispose();
  });

  it('keeps a Rescaling the user edited after export (removing it would change the model)', async () => {
    const weights = await tinyWeights();
    const graph = editedTiny();
    const { model } = await buildModel(graph, weights);
    const exported = await exportLayersModel(model, graph, { preprocessing: '0..1', title: 't', labels: [] });
    const json = JSON.parse(exported.modelJson) as {
      modelTopology: { config: { layers: { config: { scale?: number } }[] } };
    };
    json.modelTopology.config.layers[1].config.scale = 0.5;
    const parsed = parseModelJson(JSON.stringify(json));
    expect(parsed.graph.layers[1].name).toBe('retrain_rescaling');
    expect(parsed.retrain?.preprocessing).toBe('none');
    model.dispose();
    tf.dispose([...weights.values()]);
  });

  it('names the Rescaling layer so it does not clash', () => {
    const taken = insertAfter(tiny.graph, 'input', {
      name: 'retrain_rescaling',
      className: 'Rescaling',
      config: { scale: 2, offset: 0 },
      inbound: [],
      trainable: true,
    });
    if (!taken.ok) throw new Error(taken.error);
    const baked = bakeRescaling(taken.graph, '-1..1');
    expect(baked.layer).toBe('retrain_rescaling_1');
    expect(baked.graph.layers.slice(0, 3).map((l) => l.name)).toEqual([
      'input',
      'retrain_rescaling_1',
      'retrain_rescaling',
    ]);
  });
});

describe('the worker API exports', () => {
  const SIZE = 64;
  const { pixels, labels } = syntheticImages(6, 2, SIZE);
  const images = pixels.map((p, i) => ({ id: `img${i}`, label: labels[i], blob: pixelBlob(p) }));

  it('the trained weights, refuses while training, and matches predict', async () => {
    const api = createTrainingApi({
      initBackend: async () => ({ backend: 'cpu', reason: 'CPU: as chosen.' }),
      imageSource: (imgs, spec) => blobSource(imgs, spec),
      loadWeights: () => tinyWeights(),
    });
    const graph = editedTiny();
    const ref = {
      id: 'builtin:tiny_cnn',
      graph,
      weights: { kind: 'buffers' as const, manifest: [], buffers: {} },
    };
    const options = { preprocessing: '0..1' as const, title: 'Tiny CNN', labels: ['warm', 'cool'] };
    // Untrained: pretrained base, fresh head.
    const untrained = await api.exportModel(ref, options);
    const request: TrainRequest = {
      model: ref,
      images,
      labels: ['warm', 'cool'],
      settings: { ...DEFAULT_SETTINGS, epochs: 2, batchSize: 4, validationSplit: 0, backend: 'cpu' },
    };
    const running = api.train(request, () => {});
    await expect(api.exportModel(ref, options)).rejects.toThrow(/Training is running: export the model/);
    expect((await running).status).toBe('finished');
    const trained = await api.exportModel(ref, options);
    expect(trained.weights.byteLength).toBe(untrained.weights.byteLength);
    expect(new Uint8Array(trained.weights)).not.toEqual(new Uint8Array(untrained.weights));

    // The export on 0..255 gives what Test image (predict) gives on the same picture.
    const shown = await api.predict(ref, images[0].blob, ['warm', 'cool'], {
      preprocessing: '0..1',
      resize: 'stretch',
    });
    const loaded = await loadExport(trained.modelJson, trained.weights);
    const out = tf.tidy(() =>
      (loaded.predict(tf.tensor4d(pixels[0], [1, SIZE, SIZE, 3]).mul(255)) as tf.Tensor).dataSync(),
    );
    for (const p of shown)
      expect(Math.abs(out[p.label === 'warm' ? 0 : 1] - p.probability)).toBeLessThanOrEqual(1e-5);
    loaded.dispose();
    api.dispose();
  });
});
