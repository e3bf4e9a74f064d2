import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteLayers, insertAfter, updateConfig } from '../../core/graph';
import { graphFromKeras } from '../../core/keras';
import type { ModelGraph } from '../../core/types';
import { buildModel, concatBuffers, decodeWeights, type WeightsGroupSpec } from './compile';

const dir = join(__dirname, '../../../public/models/mobilenet_v2');

function loadArtifacts() {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest as WeightsGroupSpec[];
  const buffers = manifest.map((g) =>
    concatBuffers(g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).slice().buffer)),
  );
  return { json, manifest, buffers };
}

function must(r: { ok: true; graph: ModelGraph } | { ok: false; error: string }): ModelGraph {
  if (!r.ok) throw new Error(r.error);
  return r.graph;
}

describe.skipIf(!existsSync(join(dir, 'model.json')))('buildModel on MobileNet V2', () => {
  it('keeps the pretrained weights: the untouched prefix matches the original model to 1e-6', async () => {
    const { json, manifest, buffers } = loadArtifacts();
    const original = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: concatBuffers(buffers),
      }),
    );
    let graph = graphFromKeras(json.modelTopology);
    graph = must(deleteLayers(graph, ['dense_3']));
    graph = must(
      insertAfter(graph, 'dropout_3', {
        name: 'new_head',
        className: 'Dense',
        config: { units: 2, activation: 'softmax', useBias: true },
        inbound: [],
        trainable: true,
      }),
    );
    const weights = decodeWeights(manifest, buffers);
    const { model, pretrained, fresh } = await buildModel(graph, weights);
    expect(fresh).toEqual(['new_head']);
    expect(pretrained).toContain('Conv1');
    expect(pretrained).toContain('dense_2');

    const x = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 7);
    const prefixOf = (m: tf.LayersModel) =>
      tf.model({ inputs: m.inputs, outputs: m.getLayer('dense_2').output });
    const a = prefixOf(original).predict(x) as tf.Tensor;
    const b = prefixOf(model).predict(x) as tf.Tensor;
    const diff = (await tf.max(tf.abs(tf.sub(a, b))).data())[0];
    expect(diff).toBeLessThanOrEqual(1e-6);
    // The prefix output is not trivially zero, so the comparison means something.
    expect((await tf.max(tf.abs(a)).data())[0]).toBeGreaterThan(1e-3);
    const out = model.predict(x) as tf.Tensor;
    expect(out.shape).toEqual([2, 2]);
  });

  it('starts a layer fresh when its config changes the weight shapes', async () => {
    const { json, manifest, buffers } = loadArtifacts();
    const graph = must(updateConfig(graphFromKeras(json.modelTopology), 'dense_2', { units: 64 }));
    const { fresh, pretrained } = await buildModel(graph, decodeWeights(manifest, buffers));
    expect(fresh).toEqual(expect.arrayContaining(['dense_2', 'dense_3']));
    expect(pretrained).toContain('dense_1');
  });
});
