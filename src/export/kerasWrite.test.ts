import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm';
import { strFromU8, unzipSync } from 'fflate';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteLayers, insertAfter, setTrainable } from '../core/graph';
import { graphFromKeras } from '../core/keras';
import { KERAS3_VERSION, kerasLayerOrder, kerasSnakeCase } from '../core/kerasV3';
import { getLayerSpec } from '../core/layers/registry';
import type { ModelGraph } from '../core/types';
import { buildModel } from '../training/worker/compile';
import { exportLayersModel } from '../training/worker/exportModel';
import { readModelFolder } from '../training/worker/testkit';
import { readKerasFile } from './kerasFiles';
import { kerasToDescriptor } from './kerasImport';
import { writeKerasArchive, writeKerasH5, type ExportSource } from './kerasWrite';

const MNV2 = join(process.cwd(), 'public/models/mobilenet_v2');

/** Built-in MobileNet V2 with its head replaced by a 3-class softmax Dense, base frozen up to flatten_1. */
function editedMobileNet(graph: ModelGraph): ModelGraph {
  const deleted = deleteLayers(graph, ['dense_3']);
  if (!deleted.ok) throw new Error(deleted.error);
  const before = graph.layers.find((l) => l.name === 'dense_3')!.inbound[0];
  const head = insertAfter(deleted.graph, before, {
    name: 'flower_head',
    className: 'Dense',
    config: { ...getLayerSpec('Dense')!.defaults(), units: 3, activation: 'softmax' },
    inbound: [],
    trainable: true,
  });
  if (!head.ok) throw new Error(head.error);
  return setTrainable(head.graph, ['Conv1', 'block_3_expand'], false);
}

/** Comparable view of a graph: everything the editor shows and builds from. */
const layersOf = (g: ModelGraph) =>
  g.layers.map((l) => ({
    name: l.name,
    className: l.className,
    config: l.config,
    trainable: l.trainable,
    inbound: l.inbound,
  }));

let source: ExportSource;
let graph: ModelGraph;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { parsed, weights } = await readModelFolder(MNV2);
  graph = editedMobileNet(parsed.graph);
  const { model } = await buildModel(graph, weights, undefined, { seed: 3 });
  const exported = await exportLayersModel(model, graph, {
    preprocessing: '0..1',
    title: 'Flowers',
    labels: ['a', 'b', 'c'],
  });
  source = { modelJson: exported.modelJson, weights: exported.weights };
  model.dispose();
  tf.dispose([...weights.values()]);
}, 120_000);

/** The exported weights by name, as float32 arrays. */
function exportedWeights(): Map<string, Float32Array> {
  const json = JSON.parse(source.modelJson) as {
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const w of json.weightsManifest[0].weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, new Float32Array(source.weights.slice(at, at + n * 4)));
    at += n * 4;
  }
  return out;
}

/** The weights a descriptor holds, by name. */
function descriptorWeights(d: ReturnType<typeof kerasToDescriptor>): Map<string, Float32Array> {
  if (d.weights.kind !== 'buffers') throw new Error('expected buffers');
  const buf = d.weights.buffers['weights.bin'];
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const w of d.weights.manifest[0].weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    out.set(w.name, new Float32Array(buf.slice(at, at + n * 4)));
    at += n * 4;
  }
  return out;
}

const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe.each([
  ['.keras', writeKerasArchive],
  ['.h5', writeKerasH5],
] as const)('MobileNet V2 with a new head, written as %s and read back', (ext, write) => {
  it('reproduces every weight bit for bit and the graph field for field', async () => {
    const bytes = await write(source);
    const raw = await readKerasFile(bytes, `flowers${ext}`);
    expect(raw.format).toBe(ext === '.keras' ? 'keras' : 'h5');
    const d = kerasToDescriptor(raw, `flowers${ext}`, { headUnits: 3 });
    // The baked Rescaling is taken out again: the editor shows the graph as it was edited.
    expect(layersOf(d.graph)).toEqual(layersOf(graph));
    expect(d.graph.inputs).toEqual(graph.inputs);
    expect(d.graph.outputs).toEqual(graph.outputs);
    expect(d.preprocessing).toBe('0..1');
    expect(d.labels).toEqual(['a', 'b', 'c']);
    expect(d.title).toBe('Flowers');
    const want = exportedWeights();
    const got = descriptorWeights(d);
    // The export also holds nothing for retrain_rescaling (no weights), so the sets are equal.
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    expect(want.size).toBeGreaterThan(250);
    for (const [name, values] of want) expect(bitsEqual(got.get(name)!, values), name).toBe(true);
    expect(d.graph.layers.find((l) => l.name === 'Conv1')?.trainable).toBe(false);
    expect(d.graph.layers.find((l) => l.name === 'flower_head')?.trainable).toBe(true);
  }, 60_000);
});

describe('the .keras layout (keras/src/saving/saving_lib.py)', () => {
  it('writes config.json, metadata.json and model.weights.h5 with layers/<snake class>[_n]/vars/<i>', async () => {
    const zip = unzipSync(await writeKerasArchive(source));
    expect(Object.keys(zip).sort()).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
    const meta = JSON.parse(strFromU8(zip['metadata.json'])) as Record<string, unknown>;
    expect(meta.keras_version).toBe(KERAS3_VERSION);
    expect(meta.date_saved).toMatch(/^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
    const config = JSON.parse(strFromU8(zip['config.json'])) as {
      module: string;
      class_name: string;
      registered_name: string;
      config: {
        layers: {
          module: string;
          class_name: string;
          name: string;
          config: Record<string, unknown>;
          inbound_nodes: unknown[];
        }[];
        input_layers: unknown;
        output_layers: unknown;
      };
    };
    expect([config.module, config.class_name, config.registered_name]).toEqual([
      'keras.src.models.functional',
      'Functional',
      'Functional',
    ]);
    expect(config.config.input_layers).toEqual(['input_1', 0, 0]);
    expect(config.config.output_layers).toEqual(['flower_head', 0, 0]);
    const layers = config.config.layers;
    expect(layers.every((l) => l.module === 'keras.layers')).toBe(true);
    const rescaling = layers.find((l) => l.name === 'retrain_rescaling')!;
    expect(rescaling.class_name).toBe('Rescaling');
    expect(rescaling.config.scale).toBeCloseTo(1 / 255, 12);
    const conv1 = layers.find((l) => l.name === 'Conv1')!;
    expect(conv1.config.trainable).toBe(false);
    expect(conv1.config.dtype).toEqual({
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
      registered_name: null,
    });
    expect(conv1.config.kernel_initializer).toMatchObject({
      module: 'keras.initializers',
      class_name: 'VarianceScaling',
      registered_name: null,
    });
    expect(conv1.inbound_nodes).toEqual([
      {
        args: [
          {
            class_name: '__keras_tensor__',
            config: { shape: [null, 225, 225, 3], dtype: 'float32', keras_history: ['Conv1_pad', 0, 0] },
          },
        ],
        kwargs: {},
      },
    ]);
    const add = layers.find((l) => l.class_name === 'Add')!;
    expect((add.inbound_nodes[0] as { args: unknown[][] }).args[0]).toHaveLength(2);
    const input = layers.find((l) => l.class_name === 'InputLayer')!;
    expect(input.config).toEqual({
      batch_shape: [null, 224, 224, 3],
      dtype: 'float32',
      sparse: false,
      name: 'input_1',
    });
    // Layers are listed in Keras' map_graph order, the order the vars are keyed by.
    const g = graphFromKeras(JSON.parse(source.modelJson).modelTopology);
    expect(layers.map((l) => l.name)).toEqual(kerasLayerOrder(g));

    const FS = (await h5wasm.ready).FS;
    FS.writeFile('/layout.h5', zip['model.weights.h5']);
    const f = new h5wasm.File('/layout.h5', 'r');
    try {
      expect(f.keys().sort()).toEqual(['layers', 'vars']);
      const snake = (f.get('layers') as InstanceType<typeof h5wasm.Group>).keys();
      expect(snake).toContain('input_layer');
      expect(snake).toContain('re_lu');
      expect(snake).toContain('depthwise_conv2d_16');
      // BatchNormalization: gamma, beta, moving_mean, moving_variance.
      const bnName = layers.filter((l) => l.class_name === 'BatchNormalization')[0].name;
      expect(bnName).toBe('bn_Conv1');
      const bn = f.get('layers/batch_normalization/vars') as InstanceType<typeof h5wasm.Group>;
      expect(bn.keys().sort()).toEqual(['0', '1', '2', '3']);
      const want = exportedWeights();
      const ds = (p: string) => (f.get(p) as InstanceType<typeof h5wasm.Dataset>).value as Float32Array;
      expect(bitsEqual(ds('layers/batch_normalization/vars/0'), want.get('bn_Conv1/gamma')!)).toBe(true);
      expect(bitsEqual(ds('layers/batch_normalization/vars/1'), want.get('bn_Conv1/beta')!)).toBe(true);
      expect(bitsEqual(ds('layers/batch_normalization/vars/2'), want.get('bn_Conv1/moving_mean')!)).toBe(
        true,
      );
      expect(bitsEqual(ds('layers/batch_normalization/vars/3'), want.get('bn_Conv1/moving_variance')!)).toBe(
        true,
      );
      // Dense: kernel, bias. DepthwiseConv2D: its one depthwise kernel.
      const dense = layers.filter((l) => l.class_name === 'Dense');
      const headKey =
        dense.length === 1 ? 'dense' : `dense_${dense.findIndex((l) => l.name === 'flower_head')}`;
      expect(bitsEqual(ds(`layers/${headKey}/vars/0`), want.get('flower_head/kernel')!)).toBe(true);
      expect(bitsEqual(ds(`layers/${headKey}/vars/1`), want.get('flower_head/bias')!)).toBe(true);
      expect((f.get('layers/depthwise_conv2d/vars/0') as InstanceType<typeof h5wasm.Dataset>).shape).toEqual([
        3, 3, 32, 1,
      ]);
    } finally {
      f.close();
      FS.unlink('/layout.h5');
    }
  });

  it('names classes the way keras.src.utils.naming.to_snake_case does', () => {
    expect(
      [
        'ReLU',
        'DepthwiseConv2D',
        'BatchNormalization',
        'InputLayer',
        'GlobalAveragePooling2D',
        'Conv2D',
        'ZeroPadding2D',
        'Add',
      ].map(kerasSnakeCase),
    ).toEqual([
      're_lu',
      'depthwise_conv2d',
      'batch_normalization',
      'input_layer',
      'global_average_pooling2d',
      'conv2d',
      'zero_padding2d',
      'add',
    ]);
  });
});

describe('the legacy .h5 layout (keras/src/legacy/saving/legacy_h5_format.py)', () => {
  it('has model_config, keras_version, backend and model_weights/<layer>/<layer>/<weight>:0', async () => {
    const FS = (await h5wasm.ready).FS;
    FS.writeFile('/legacy.h5', await writeKerasH5(source));
    const f = new h5wasm.File('/legacy.h5', 'r');
    try {
      const cfg = JSON.parse(f.attrs.model_config.value as string) as {
        class_name: string;
        config: { layers: { name: string }[] };
      };
      expect(cfg.class_name).toBe('Functional');
      expect(f.attrs.keras_version.value).toBe('2.15.0');
      expect(f.attrs.backend.value).toBe('tensorflow');
      const mw = f.get('model_weights') as InstanceType<typeof h5wasm.Group>;
      const names = mw.attrs.layer_names.value as string[];
      expect(names).toEqual(cfg.config.layers.map((l) => l.name));
      const bn = mw.get('bn_Conv1') as InstanceType<typeof h5wasm.Group>;
      expect(bn.attrs.weight_names.value).toEqual([
        'bn_Conv1/gamma:0',
        'bn_Conv1/beta:0',
        'bn_Conv1/moving_mean:0',
        'bn_Conv1/moving_variance:0',
      ]);
      expect(
        (mw.get('flower_head/flower_head/kernel:0') as InstanceType<typeof h5wasm.Dataset>).shape,
      ).toEqual([128, 3]);
      expect((mw.get('input_1') as InstanceType<typeof h5wasm.Group>).attrs.weight_names.value).toEqual([]);
    } finally {
      f.close();
      FS.unlink('/legacy.h5');
    }
  });
});
