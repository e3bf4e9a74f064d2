import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZooEntry } from './zooCatalog';

/**
 * Test files for the model zoo (unit and e2e, Node only): the float copies in
 * ../shared/models/<folder>/ when present, otherwise a small generated layers model of the same
 * kind (a no-top backbone for V2, a backbone with a top and a `conv_pw_13_relu` layer for V1).
 */

export interface ServedModel {
  /** Where the files came from: the shared folder or "generated". */
  origin: string;
  /** File name (as model.json names it) → bytes. */
  files: Record<string, Uint8Array>;
}

export const SHARED_MODELS = join(process.cwd(), '..', 'shared', 'models');

/** RETRAIN_ZOO_GENERATED=1 serves the generated models even where the shared copies exist. */
const sharedCopiesWanted = () => !process.env.RETRAIN_ZOO_GENERATED;

/** The folder name a zoo URL has on its host ("mobilenet_v1_0.25_224"). */
export function zooFolder(entry: ZooEntry): string {
  const parts = new URL(entry.url).pathname.split('/');
  return parts[parts.length - 2];
}

function readFolder(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.md')) continue;
    files[name] = new Uint8Array(readFileSync(join(dir, name)));
  }
  return files;
}

/** Seeded normal-ish values (sum of uniforms), so a generated model is the same every time. */
function values(count: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() + next() + next() - 1.5) * scale;
  return out;
}

const layer = (name: string, className: string, config: object, inbound: string | null) => ({
  name,
  class_name: className,
  config: { name, trainable: true, ...config },
  inbound_nodes: inbound ? [[[inbound, 0, 0, {}]]] : [],
});

/**
 * A small layers model in the shape of a zoo entry: input 224×224×3 → Conv2D(8, 8×8, stride 8)
 * → BatchNormalization → ReLU6 (named out_relu for V2, conv_pw_13_relu for V1, which also gets
 * an ImageNet-like top). The weights are split over two shards to exercise the progress.
 */
export function generatedZooModel(family: ZooEntry['family']): ServedModel {
  const feature = family === 'mobilenet_v2' ? 'out_relu' : 'conv_pw_13_relu';
  const layers: object[] = [
    layer(
      'input_1',
      'InputLayer',
      { batch_input_shape: [null, 224, 224, 3], dtype: 'float32', sparse: false },
      null,
    ),
    layer(
      'Conv1',
      'Conv2D',
      {
        filters: 8,
        kernel_size: [8, 8],
        strides: [8, 8],
        padding: 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: false,
      },
      'input_1',
    ),
    layer(
      'bn_Conv1',
      'BatchNormalization',
      { axis: -1, momentum: 0.999, epsilon: 0.001, center: true, scale: true },
      'Conv1',
    ),
    layer(feature, 'ReLU', { max_value: 6 }, 'bn_Conv1'),
  ];
  const weights = [
    { name: 'Conv1/kernel', shape: [8, 8, 3, 8], data: values(8 * 8 * 3 * 8, 7, 0.2) },
    { name: 'bn_Conv1/gamma', shape: [8], data: new Float32Array(8).fill(1) },
    { name: 'bn_Conv1/beta', shape: [8], data: values(8, 9, 0.1) },
    { name: 'bn_Conv1/moving_mean', shape: [8], data: new Float32Array(8) },
    { name: 'bn_Conv1/moving_variance', shape: [8], data: new Float32Array(8).fill(1) },
  ];
  let output = feature;
  if (family === 'mobilenet_v1') {
    layers.push(
      layer(
        'global_average_pooling2d_1',
        'GlobalAveragePooling2D',
        { data_format: 'channels_last' },
        feature,
      ),
    );
    layers.push(
      layer(
        'conv_preds',
        'Dense',
        { units: 10, activation: 'softmax', use_bias: true },
        'global_average_pooling2d_1',
      ),
    );
    weights.push({ name: 'conv_preds/kernel', shape: [8, 10], data: values(80, 11, 0.3) });
    weights.push({ name: 'conv_preds/bias', shape: [10], data: new Float32Array(10) });
    output = 'conv_preds';
  }
  const bytes = new Uint8Array(weights.reduce((n, w) => n + w.data.byteLength, 0));
  let offset = 0;
  for (const w of weights) {
    bytes.set(new Uint8Array(w.data.buffer), offset);
    offset += w.data.byteLength;
  }
  const half = Math.floor(bytes.byteLength / 8) * 4;
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'retrain zoo test generator',
    modelTopology: {
      class_name: 'Model',
      config: {
        name: `generated_${family}`,
        layers,
        input_layers: [['input_1', 0, 0]],
        output_layers: [[output, 0, 0]],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
        weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
      },
    ],
  };
  return {
    origin: 'generated',
    files: {
      'model.json': new TextEncoder().encode(JSON.stringify(modelJson)),
      'group1-shard1of2.bin': bytes.slice(0, half),
      'group1-shard2of2.bin': bytes.slice(half),
    },
  };
}

/** The files to serve for a zoo entry: the shared float copy when present, else a generated model. */
export function servedZooModel(entry: ZooEntry): ServedModel {
  const dir = join(SHARED_MODELS, zooFolder(entry));
  if (sharedCopiesWanted() && existsSync(join(dir, 'model.json')))
    return { origin: dir, files: readFolder(dir) };
  return generatedZooModel(entry.family);
}

/**
 * A Teachable Machine-like export when the real one is absent: the generated V2 backbone nested
 * as a functional model in Sequentials, a pooled three-class head, and metadata.json with labels.
 */
export function teachableMachineExport(useShared = sharedCopiesWanted()): {
  origin: string;
  dir?: string;
  files: Record<string, Uint8Array>;
} {
  const dir = join(SHARED_MODELS, 'tm-export_mobilenet_v2_0.35_224');
  if (useShared && existsSync(join(dir, 'model.json'))) return { origin: dir, dir, files: readFolder(dir) };
  const base = generatedZooModel('mobilenet_v2');
  const json = JSON.parse(new TextDecoder().decode(base.files['model.json']));
  const inner = { ...json.modelTopology, config: { ...json.modelTopology.config, name: 'model1' } };
  delete inner.keras_version;
  delete inner.backend;
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'sequential_4',
      layers: [
        {
          class_name: 'Sequential',
          config: {
            name: 'sequential_1',
            layers: [
              inner,
              {
                class_name: 'GlobalAveragePooling2D',
                config: { name: 'global_average_pooling2d_1', data_format: 'channels_last' },
              },
            ],
          },
        },
        {
          class_name: 'Sequential',
          config: {
            name: 'sequential_3',
            layers: [
              {
                class_name: 'Dense',
                config: {
                  name: 'dense_Dense2',
                  units: 3,
                  activation: 'softmax',
                  use_bias: false,
                  batch_input_shape: [null, 8],
                },
              },
            ],
          },
        },
      ],
    },
    keras_version: 'tfjs-layers 1.3.1',
    backend: 'tensor_flow.js',
  };
  const head = values(8 * 3, 13, 0.3);
  const baseBytes = new Uint8Array(
    base.files['group1-shard1of2.bin'].byteLength + base.files['group1-shard2of2.bin'].byteLength,
  );
  baseBytes.set(base.files['group1-shard1of2.bin']);
  baseBytes.set(base.files['group1-shard2of2.bin'], base.files['group1-shard1of2.bin'].byteLength);
  const weightsBin = new Uint8Array(baseBytes.byteLength + head.byteLength);
  weightsBin.set(baseBytes);
  weightsBin.set(new Uint8Array(head.buffer), baseBytes.byteLength);
  const manifest = [
    {
      paths: ['weights.bin'],
      weights: [
        ...json.weightsManifest[0].weights,
        { name: 'dense_Dense2/kernel', shape: [8, 3], dtype: 'float32' },
      ],
    },
  ];
  const metadata = {
    tmVersion: '2.4.7',
    packageName: '@teachablemachine/image',
    labels: ['Snickers', 'Mars', 'Rood'],
    imageSize: 224,
  };
  const enc = new TextEncoder();
  return {
    origin: 'generated',
    files: {
      'model.json': enc.encode(JSON.stringify({ modelTopology: topology, weightsManifest: manifest })),
      'weights.bin': weightsBin,
      'metadata.json': enc.encode(JSON.stringify(metadata)),
    },
  };
}
