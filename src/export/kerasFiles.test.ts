import h5wasm from 'h5wasm';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../core/analysis';
import { graphFromKeras, ModelFormatError } from '../core/keras';
import { kerasLayerOrder, kerasWeightOrder } from '../core/kerasV3';
import { mobilenetV2Topology } from '../core/mobilenetV2';
import { readKerasFile } from './kerasFiles';
import { kerasToDescriptor } from './kerasImport';
import { parseModelJson } from './modelFiles';

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

/** Writes an h5 file in memory with h5wasm and returns its bytes. */
async function h5(fill: (f: InstanceType<typeof h5wasm.File>) => void): Promise<Uint8Array> {
  const FS = (await h5wasm.ready).FS;
  const f = new h5wasm.File('/fixture.h5', 'w');
  fill(f);
  f.close();
  const bytes = FS.readFile('/fixture.h5');
  FS.unlink('/fixture.h5');
  return bytes;
}

describe('a Keras Applications weights-only file', () => {
  /** The file keras.applications.MobileNetV2(alpha, include_top=False).save_weights would write (Keras 2 layout). */
  const applicationsFile = (
    alpha: number,
    mutate?: (layer: string, w: string, shape: number[]) => number[],
  ) =>
    h5((f) => {
      const g = graphFromKeras(mobilenetV2Topology({ alpha }));
      const analysis = analyzeGraph(g);
      const order = kerasLayerOrder(g);
      f.create_attribute('backend', 'tensorflow');
      f.create_attribute('keras_version', '2.2.4');
      f.create_attribute('layer_names', order);
      let seed = 1;
      for (const name of order) {
        const lg = f.create_group(name);
        const specs = kerasWeightOrder(analysis.layers.get(name)?.weights ?? []);
        const names = specs.map((s) => `${name}/${s.name}:0`);
        if (names.length) lg.create_attribute('weight_names', names);
        else lg.create_attribute('weight_names', [], [0], 'S1');
        if (!specs.length) continue;
        const holder = lg.create_group(name);
        for (const s of specs) {
          const shape = mutate ? mutate(name, s.name, s.shape) : s.shape;
          const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(
            () => (seed = (seed * 16807) % 2147483647) / 2147483647,
          );
          holder.create_dataset({ name: `${s.name}:0`, data, shape, dtype: '<f' });
        }
      }
    });

  it('is matched to MobileNet V2 α 0.35 by layer names and shapes, and gets a new frozen-base head', async () => {
    const name = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5';
    const raw = await readKerasFile(await applicationsFile(0.35), name);
    expect(raw.topology).toBeNull();
    const d = kerasToDescriptor(raw, name, { headUnits: 4 });
    expect(d.title).toBe('MobileNet V2 0.35 (Keras weights)');
    expect(d.preprocessing).toBe('-1..1');
    expect(d.graph.outputs).toEqual(['predictions']);
    const head = d.graph.layers.find((l) => l.name === 'predictions')!;
    expect(head.config.units).toBe(4);
    expect(d.graph.layers.find((l) => l.name === 'Conv1')?.trainable).toBe(false);
    const conv1 = d.weights.manifest[0].weights.find((w) => w.name === 'Conv1/kernel');
    expect(conv1?.shape).toEqual([3, 3, 3, 16]);
    expect(d.weights.manifest[0].weights).toHaveLength(260);
  });

  it('is matched without the alpha in its name (shapes decide)', async () => {
    const raw = await readKerasFile(await applicationsFile(0.5), 'weights.h5');
    const d = kerasToDescriptor(raw, 'weights.h5', { headUnits: 2 });
    expect(d.title).toBe('MobileNet V2 0.50 (Keras weights)');
  });

  it('matches the shared float MobileNet V2 0.35 layer for layer, when present', () => {
    const path =
      '/work/shared/models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json';
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      console.log(`skipped: ${path} is not on this machine`);
      return;
    }
    const shared = parseModelJson(text);
    const ours = graphFromKeras(mobilenetV2Topology({ alpha: 0.35 }));
    const want = new Map(shared.manifest.flatMap((g) => g.weights).map((w) => [w.name, w.shape.join(',')]));
    const a = analyzeGraph(ours);
    let n = 0;
    for (const l of ours.layers)
      for (const w of a.layers.get(l.name)?.weights ?? []) {
        expect(want.get(`${l.name}/${w.name}`), `${l.name}/${w.name}`).toBe(w.shape.join(','));
        n++;
      }
    expect(n).toBe(want.size);
  });

  it('is refused with a message when a shape fits no width', async () => {
    const raw = await readKerasFile(
      await applicationsFile(0.35, (layer, w, shape) =>
        layer === 'block_5_project' && w === 'kernel' ? [1, 1, 192, 33] : shape,
      ),
      'odd_no_top.h5',
    );
    expect(() => kerasToDescriptor(raw, 'odd_no_top.h5', { headUnits: 2 })).toThrow(
      /MobileNet V2 but its weight shapes fit no width multiplier/,
    );
  });

  it('of another architecture is refused, saying which architectures can be matched', async () => {
    const bytes = await h5((f) => {
      f.create_attribute('layer_names', ['conv1_conv']);
      const g = f.create_group('conv1_conv');
      g.create_attribute('weight_names', ['conv1_conv/kernel:0']);
      g.create_group('conv1_conv').create_dataset({
        name: 'kernel:0',
        data: new Float32Array(4),
        shape: [1, 1, 1, 4],
        dtype: '<f',
      });
    });
    const raw = await readKerasFile(bytes, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5');
    expect(() =>
      kerasToDescriptor(raw, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', { headUnits: 2 }),
    ).toThrow(
      /weights only \(no model config\).*conv1_conv.*do not match a built-in architecture \(MobileNet V2\)/,
    );
  });
});

describe('unsupported Keras files are refused with a message naming the problem', () => {
  const model = (layers: object[], weights: (f: InstanceType<typeof h5wasm.File>) => void) =>
    h5((f) => {
      f.create_attribute(
        'model_config',
        JSON.stringify({
          class_name: 'Functional',
          config: {
            name: 'm',
            layers,
            input_layers: [['in', 0, 0]],
            output_layers: [[layers.at(-1) && (layers.at(-1) as { name: string }).name, 0, 0]],
          },
        }),
      );
      f.create_attribute('keras_version', '2.15.0');
      weights(f);
    });
  const input = {
    name: 'in',
    class_name: 'InputLayer',
    config: { name: 'in', batch_input_shape: [null, 4], dtype: 'float32' },
    inbound_nodes: [],
  };

  it('a layer class the editor does not know', async () => {
    const bytes = await model(
      [
        input,
        {
          name: 'warp',
          class_name: 'Lambda',
          config: { name: 'warp', function: 'x' },
          inbound_nodes: [[['in', 0, 0, {}]]],
        },
      ],
      (f) => {
        const mw = f.create_group('model_weights');
        mw.create_attribute('layer_names', ['in', 'warp']);
        for (const n of ['in', 'warp']) mw.create_group(n).create_attribute('weight_names', [], [0], 'S1');
      },
    );
    const raw = await readKerasFile(bytes, 'custom.h5');
    expect(() => kerasToDescriptor(raw, 'custom.h5', { headUnits: 2 })).toThrow(/"warp" \(Lambda\)/);
  });

  it('a float16 weight', async () => {
    const bytes = await model(
      [
        input,
        {
          name: 'd',
          class_name: 'Dense',
          config: { name: 'd', units: 2 },
          inbound_nodes: [[['in', 0, 0, {}]]],
        },
      ],
      (f) => {
        const mw = f.create_group('model_weights');
        mw.create_attribute('layer_names', ['in', 'd']);
        mw.create_group('in').create_attribute('weight_names', [], [0], 'S1');
        const d = mw.create_group('d');
        d.create_attribute('weight_names', ['d/kernel:0', 'd/bias:0']);
        const holder = d.create_group('d');
        holder.create_dataset({ name: 'kernel:0', data: new Float64Array(8), shape: [4, 2], dtype: '<d' });
        holder.create_dataset({ name: 'bias:0', data: new Float64Array(2), shape: [2], dtype: '<d' });
      },
    );
    await expect(readKerasFile(bytes, 'double.h5')).rejects.toThrow(
      /"d\/kernel:0" is stored as float64; only float32/,
    );
    await expect(readKerasFile(bytes, 'double.h5')).rejects.toBeInstanceOf(ModelFormatError);
  });

  it('a weight of the wrong shape', async () => {
    const bytes = await model(
      [
        input,
        {
          name: 'd',
          class_name: 'Dense',
          config: { name: 'd', units: 2 },
          inbound_nodes: [[['in', 0, 0, {}]]],
        },
      ],
      (f) => {
        const mw = f.create_group('model_weights');
        mw.create_attribute('layer_names', ['in', 'd']);
        mw.create_group('in').create_attribute('weight_names', [], [0], 'S1');
        const d = mw.create_group('d');
        d.create_attribute('weight_names', ['d/kernel:0', 'd/bias:0']);
        const holder = d.create_group('d');
        holder.create_dataset({ name: 'kernel:0', data: new Float32Array(6), shape: [3, 2], dtype: '<f' });
        holder.create_dataset({ name: 'bias:0', data: new Float32Array(2), shape: [2], dtype: '<f' });
      },
    );
    const raw = await readKerasFile(bytes, 'shape.h5');
    expect(() => kerasToDescriptor(raw, 'shape.h5', { headUnits: 2 })).toThrow(
      /"d\/kernel" has shape \[3, 2\] but layer "d" needs \[4, 2\]/,
    );
  });

  it('bytes that are not HDF5', async () => {
    await expect(readKerasFile(new TextEncoder().encode('not a model'), 'notes.h5')).rejects.toThrow(
      /notes\.h5 is not an HDF5 file/,
    );
  });
});

describe('a .keras file as Keras 3 itself writes it', () => {
  it('opens: InputLayer with optional/ragged, build and compile configs, optimizer vars beside the layers', async () => {
    const policy = {
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
      registered_name: null,
    };
    const tensor = (from: string, shape: (number | null)[]) => ({
      class_name: '__keras_tensor__',
      config: { shape, dtype: 'float32', keras_history: [from, 0, 0] },
    });
    const dense = (name: string, units: number, from: string, inShape: (number | null)[]) => ({
      module: 'keras.layers',
      class_name: 'Dense',
      config: {
        name,
        trainable: name === 'dense',
        dtype: policy,
        units,
        activation: 'relu',
        use_bias: true,
        kernel_initializer: {
          module: 'keras.initializers',
          class_name: 'GlorotUniform',
          config: { seed: null },
          registered_name: null,
        },
        bias_initializer: {
          module: 'keras.initializers',
          class_name: 'Zeros',
          config: {},
          registered_name: null,
        },
        kernel_regularizer: null,
        bias_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
      registered_name: null,
      build_config: { input_shape: inShape },
      name,
      inbound_nodes: [{ args: [tensor(from, inShape)], kwargs: {} }],
    });
    const config = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: {
              batch_shape: [null, 4],
              dtype: 'float32',
              sparse: false,
              ragged: false,
              name: 'input_layer',
              optional: false,
            },
            registered_name: null,
            name: 'input_layer',
            inbound_nodes: [],
          },
          dense('dense', 3, 'input_layer', [null, 4]),
          dense('dense_1', 2, 'dense', [null, 3]),
        ],
        input_layers: [['input_layer', 0, 0]],
        output_layers: [['dense_1', 0, 0]],
      },
      registered_name: 'Functional',
      build_config: { input_shape: null },
      compile_config: { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
    };
    const values = (n: number, k: number) => new Float32Array(n).map((_, i) => i * 0.25 + k);
    const weights = await h5((f) => {
      f.create_group('vars');
      const layers = f.create_group('layers');
      for (const [key, shapes] of [
        ['input_layer', []],
        ['dense', [[4, 3], [3]]],
        ['dense_1', [[3, 2], [2]]],
      ] as const) {
        const vars = layers.create_group(key).create_group('vars');
        shapes.forEach((shape, i) =>
          vars.create_dataset({
            name: String(i),
            data: values(
              shape.reduce((a: number, b: number) => a * b, 1),
              i,
            ),
            shape: [...shape],
            dtype: '<f',
          }),
        );
      }
      f.create_group('optimizer')
        .create_group('vars')
        .create_dataset({ name: '0', data: new Float32Array([3]), shape: [], dtype: '<f' });
    });
    const { zipSync, strToU8 } = await import('fflate');
    const bytes = zipSync({
      'metadata.json': strToU8(JSON.stringify({ keras_version: '3.6.0', date_saved: '2026-01-01@00:00:00' })),
      'config.json': strToU8(JSON.stringify(config)),
      'model.weights.h5': weights,
    });
    const raw = await readKerasFile(bytes, 'outside.keras');
    const d = kerasToDescriptor(raw, 'outside.keras', { headUnits: 2 });
    expect(d.graph.layers.map((l) => [l.name, l.className, l.trainable, l.inbound])).toEqual([
      ['input_layer', 'InputLayer', true, []],
      ['dense', 'Dense', true, ['input_layer']],
      ['dense_1', 'Dense', false, ['dense']],
    ]);
    expect(d.note).toBe('Keras 3 (.keras) 3.6.0');
    const got = descriptorWeights(d);
    expect([...got.get('dense/kernel')!]).toEqual([...values(12, 0)]);
    expect([...got.get('dense_1/bias')!]).toEqual([...values(2, 1)]);
  });
});
