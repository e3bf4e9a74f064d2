import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './compile';
import { readModelFolder } from './testkit';

/**
 * The built-in MobileNet V2 is nsfwjs's MobileNetV2Mid graph model rebuilt as a layers model at
 * build time (scripts/nsfwjs-graph.mjs). The rebuilt model must compute what the graph computes.
 */

const ROOT = process.cwd();
const SOURCE = join(ROOT, 'node_modules', 'nsfwjs', 'dist', 'models', 'mobilenet_v2_mid');
const BUILT = join(ROOT, 'public', 'models', 'mobilenet_v2_140');
const ready = existsSync(join(SOURCE, 'model.min.js')) && existsSync(join(BUILT, 'model.json'));
if (!ready)
  console.log(`builtinMid.test: skipped, needs ${SOURCE} (npm ci) and ${BUILT} (npm run prepare-models)`);

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
  await tf.ready();
});

/** Smooth colour fields with edges: something like a photo, pixels 0..1, seeded. */
function images(n: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const coarse = tf.randomUniform([n, 7, 7, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
    const fine = tf.randomUniform([n, 224, 224, 3], -0.1, 0.1, 'float32', seed + 1);
    return tf.clipByValue(tf.add(tf.image.resizeBilinear(coarse, [224, 224]), fine), 0, 1) as tf.Tensor4D;
  });
}

describe.skipIf(!ready)('built-in MobileNet V2 (1.4, nsfwjs MobileNetV2Mid rebuilt as layers)', () => {
  it('gives the graph model’s features and probabilities on the same images', async () => {
    const require = createRequire(import.meta.url);
    const source = require(join(SOURCE, 'model.min.js'));
    const shards = source.weightsManifest[0].paths.map((p: string) =>
      Buffer.from(require(join(SOURCE, `${p}.min.js`)) as string, 'base64'),
    );
    const all = Buffer.concat(shards);
    const graphModel = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: source.modelTopology,
        weightSpecs: source.weightsManifest[0].weights,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      }),
    );
    const squeeze = (source.modelTopology.node as { op: string; name: string }[]).find(
      (n) => n.op === 'Squeeze',
    )!.name;

    const { parsed, weights } = await readModelFolder(BUILT);
    expect(parsed.retrain?.preprocessing).toBe('-1..1');
    const { model } = await buildModel(parsed.graph, weights);
    const layers = tf.model({
      inputs: model.inputs,
      outputs: [model.getLayer('feature_vector').output as tf.SymbolicTensor, model.outputs[0]],
    });

    const x = images(4, 7);
    const [gFeat, gProb] = graphModel.execute(x, [squeeze, 'Identity']) as tf.Tensor[];
    const [lFeat, lProb] = layers.predict(tf.sub(tf.mul(x, 2), 1)) as tf.Tensor[];
    expect(lFeat.shape).toEqual([4, 1792]);
    expect(lProb.shape).toEqual([4, 5]);
    const featDiff = tf.max(tf.abs(tf.sub(gFeat, lFeat))).dataSync()[0];
    const featScale = tf.max(tf.abs(gFeat)).dataSync()[0];
    const probDiff = tf.max(tf.abs(tf.sub(gProb, lProb))).dataSync()[0];
    console.log(
      `MobileNetV2Mid graph vs layers: features max |Δ| ${featDiff.toExponential(2)} (max |f| ${featScale.toFixed(2)}), probabilities max |Δ| ${probDiff.toExponential(2)}`,
    );
    expect(featScale).toBeGreaterThan(0.1);
    expect(featDiff).toBeLessThan(1e-3 * featScale);
    expect(probDiff).toBeLessThan(1e-4);
    tf.dispose([x, gFeat, gProb, lFeat, lProb]);
    model.dispose();
    graphModel.dispose();
  }, 120_000);
});
