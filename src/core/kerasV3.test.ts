import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analysis';
import { graphFromKeras, graphToKeras } from './keras';
import { keras2ToKeras3, keras3ToKeras2, kerasLayerOrder } from './kerasV3';
import { PALETTE_CLASSES, getLayerSpec } from './layers/registry';
import type { JsonValue, LayerNode, ModelGraph } from './types';

type JsonObject = { [key: string]: JsonValue };

/**
 * Keras 3 constructor arguments of each palette layer (keras/src/layers/..., beyond the base
 * Layer's name/trainable/dtype/activity_regularizer): a config key outside this list makes
 * `keras.models.load_model` fail with "Unrecognized keyword arguments".
 */
const CONV = [
  'filters',
  'kernel_size',
  'strides',
  'padding',
  'data_format',
  'dilation_rate',
  'groups',
  'activation',
  'use_bias',
];
const KERAS3_ARGS: Record<string, string[]> = {
  Dense: [
    'units',
    'activation',
    'use_bias',
    'kernel_initializer',
    'bias_initializer',
    'kernel_regularizer',
    'bias_regularizer',
    'kernel_constraint',
    'bias_constraint',
    'lora_rank',
  ],
  Dropout: ['rate', 'noise_shape', 'seed'],
  GlobalAveragePooling2D: ['data_format', 'keepdims'],
  GlobalMaxPooling2D: ['data_format', 'keepdims'],
  Flatten: ['data_format'],
  Conv2D: [
    ...CONV,
    'kernel_initializer',
    'bias_initializer',
    'kernel_regularizer',
    'bias_regularizer',
    'kernel_constraint',
    'bias_constraint',
  ],
  DepthwiseConv2D: [
    ...CONV,
    'depth_multiplier',
    'depthwise_initializer',
    'bias_initializer',
    'depthwise_regularizer',
    'bias_regularizer',
    'depthwise_constraint',
    'bias_constraint',
  ],
  SeparableConv2D: [
    ...CONV,
    'depth_multiplier',
    'depthwise_initializer',
    'pointwise_initializer',
    'bias_initializer',
    'depthwise_regularizer',
    'pointwise_regularizer',
    'bias_regularizer',
    'depthwise_constraint',
    'pointwise_constraint',
    'bias_constraint',
  ],
  MaxPooling2D: ['pool_size', 'strides', 'padding', 'data_format'],
  AveragePooling2D: ['pool_size', 'strides', 'padding', 'data_format'],
  BatchNormalization: [
    'axis',
    'momentum',
    'epsilon',
    'center',
    'scale',
    'beta_initializer',
    'gamma_initializer',
    'moving_mean_initializer',
    'moving_variance_initializer',
    'beta_regularizer',
    'gamma_regularizer',
    'beta_constraint',
    'gamma_constraint',
    'renorm',
    'renorm_clipping',
    'renorm_momentum',
    'synchronized',
  ],
  LayerNormalization: [
    'axis',
    'epsilon',
    'center',
    'scale',
    'rms_scaling',
    'beta_initializer',
    'gamma_initializer',
    'beta_regularizer',
    'gamma_regularizer',
    'beta_constraint',
    'gamma_constraint',
  ],
  Activation: ['activation'],
  ReLU: ['max_value', 'negative_slope', 'threshold'],
  Softmax: ['axis'],
  Add: [],
  Concatenate: ['axis'],
  Multiply: [],
  Reshape: ['target_shape'],
  ZeroPadding2D: ['padding', 'data_format'],
  Rescaling: ['scale', 'offset'],
};
const BASE_ARGS = ['name', 'trainable', 'dtype', 'activity_regularizer'];

/** input → (pre) → layer under test, shaped so every palette class fits. */
function graphWith(className: string): ModelGraph {
  const spec = getLayerSpec(className)!;
  const flat = [
    'Dense',
    'Dropout',
    'Activation',
    'ReLU',
    'Softmax',
    'Add',
    'Multiply',
    'Concatenate',
    'Reshape',
    'Rescaling',
    'LayerNormalization',
    'BatchNormalization',
  ].includes(className);
  const input: LayerNode = {
    name: 'input_1',
    className: 'InputLayer',
    config: { batchInputShape: flat ? [null, 8] : [null, 16, 16, 3], dtype: 'float32', sparse: false },
    inbound: [],
    trainable: true,
  };
  const merge = spec.minInputs > 1;
  const side: LayerNode[] = merge
    ? [
        {
          name: 'left',
          className: 'Dense',
          config: { ...getLayerSpec('Dense')!.defaults(), units: 8 },
          inbound: ['input_1'],
          trainable: true,
        },
        {
          name: 'right',
          className: 'Dense',
          config: { ...getLayerSpec('Dense')!.defaults(), units: 8 },
          inbound: ['input_1'],
          trainable: false,
        },
      ]
    : [];
  const layer: LayerNode = {
    name: 'under_test',
    className,
    config: className === 'Reshape' ? { targetShape: [2, 4] } : spec.defaults(),
    inbound: merge ? ['left', 'right'] : ['input_1'],
    trainable: className !== 'Dense',
  };
  return {
    name: `m_${className}`,
    layers: [input, ...side, layer],
    inputs: ['input_1'],
    outputs: ['under_test'],
    kerasClassName: 'Model',
  };
}

const shapesOf = (g: ModelGraph) => {
  const a = analyzeGraph(g);
  return new Map(g.layers.map((l) => [l.name, a.layers.get(l.name)!.shape!]));
};

const comparable = (g: ModelGraph) =>
  g.layers.map((l) => ({
    name: l.name,
    className: l.className,
    config: l.config,
    trainable: l.trainable,
    inbound: l.inbound,
  }));

describe('Keras 3 config mapping, for every palette layer', () => {
  for (const className of PALETTE_CLASSES) {
    it(`${className}: Keras 3 form, accepted arguments, and back field for field`, () => {
      const g = graphWith(className);
      expect(analyzeGraph(g).problems).toEqual([]);
      const v3 = keras2ToKeras3(graphToKeras(g), kerasLayerOrder(g), shapesOf(g));
      const entry = (v3.config as { layers: JsonObject[] }).layers.find((l) => l.name === 'under_test')!;
      expect(entry).toMatchObject({
        module: 'keras.layers',
        class_name: className,
        registered_name: null,
        name: 'under_test',
      });
      const cfg = entry.config as JsonObject;
      expect(cfg.dtype).toEqual({
        module: 'keras',
        class_name: 'DTypePolicy',
        config: { name: 'float32' },
        registered_name: null,
      });
      expect(cfg.trainable).toBe(className !== 'Dense');
      for (const key of Object.keys(cfg))
        expect([...BASE_ARGS, ...KERAS3_ARGS[className]], `${className}.${key}`).toContain(key);
      for (const [key, value] of Object.entries(cfg)) {
        if (
          value &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          'class_name' in value &&
          key !== 'dtype'
        ) {
          expect(value, `${className}.${key}`).toMatchObject({
            module: expect.stringMatching(/^keras\.(initializers|regularizers|constraints)$/),
            registered_name: null,
          });
        }
      }
      const nodes = entry.inbound_nodes as { args: JsonValue[]; kwargs: JsonObject }[];
      expect(nodes).toHaveLength(1);
      const history = JSON.stringify(nodes[0].args).match(/"keras_history":\["(\w+)",0,0\]/g);
      expect(history).toHaveLength(getLayerSpec(className)!.minInputs > 1 ? 2 : 1);
      // Back: the Keras 2 form graphFromKeras reads gives the same graph.
      const back = graphFromKeras(keras3ToKeras2(JSON.parse(JSON.stringify(v3))));
      expect(comparable(back)).toEqual(comparable(g));
      expect(back.inputs).toEqual(['input_1']);
      expect(back.outputs).toEqual(['under_test']);
    });
  }
});

describe('kerasLayerOrder (keras/src/ops/function.py map_graph)', () => {
  it('sorts by depth from the outputs, then by depth-first traversal index', () => {
    // a → b → d, a → c → d: Keras lists input, then b and c in DFS order from d's first input.
    const g: ModelGraph = {
      name: 'm',
      inputs: ['a'],
      outputs: ['d'],
      layers: [
        {
          name: 'a',
          className: 'InputLayer',
          config: { batchInputShape: [null, 2] },
          inbound: [],
          trainable: true,
        },
        { name: 'c', className: 'Dense', config: { units: 2 }, inbound: ['a'], trainable: true },
        { name: 'x', className: 'Dense', config: { units: 2 }, inbound: ['a'], trainable: true },
        { name: 'b', className: 'Dense', config: { units: 2 }, inbound: ['x'], trainable: true },
        { name: 'd', className: 'Add', config: {}, inbound: ['b', 'c'], trainable: true },
      ],
    };
    // Depths from d: b, c = 1; x = 2; a = 3. Traversal from d: d, b, x, a, c.
    expect(kerasLayerOrder(g)).toEqual(['a', 'x', 'b', 'c', 'd']);
  });
});

describe('keras3ToKeras2', () => {
  it('reads a Keras 3 Sequential config with an InputLayer', () => {
    const topology = keras3ToKeras2({
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [
          {
            module: 'keras.layers',
            class_name: 'InputLayer',
            config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' },
            registered_name: null,
          },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            config: {
              name: 'dense',
              trainable: false,
              dtype: {
                module: 'keras',
                class_name: 'DTypePolicy',
                config: { name: 'float32' },
                registered_name: null,
              },
              units: 3,
              activation: 'softmax',
              use_bias: true,
              kernel_initializer: {
                module: 'keras.initializers',
                class_name: 'GlorotUniform',
                config: { seed: null },
                registered_name: null,
              },
            },
            registered_name: null,
            build_config: { input_shape: [null, 4] },
          },
        ],
      },
      registered_name: null,
    });
    const g = graphFromKeras(topology);
    expect(g.layers.map((l) => [l.name, l.className, l.trainable])).toEqual([
      ['input_layer', 'InputLayer', true],
      ['dense', 'Dense', false],
    ]);
    expect(g.layers[0].config.batchInputShape).toEqual([null, 4]);
    expect(g.layers[1].config.kernelInitializer).toEqual({
      className: 'GlorotUniform',
      config: { seed: null },
    });
    expect(g.layers[1].inbound).toEqual(['input_layer']);
  });

  it('refuses a mixed-precision layer, naming it', () => {
    expect(() =>
      keras3ToKeras2({
        class_name: 'Functional',
        config: {
          name: 'm',
          layers: [
            {
              class_name: 'Dense',
              name: 'half',
              config: {
                name: 'half',
                units: 2,
                dtype: { class_name: 'DTypePolicy', config: { name: 'mixed_float16' } },
              },
              inbound_nodes: [],
            },
          ],
          input_layers: [],
          output_layers: [],
        },
      }),
    ).toThrow(/layer "half" \(Dense\) computes in dtype "mixed_float16"/);
  });

  it('refuses a subclassed model, saying what to do', () => {
    expect(() => keras3ToKeras2({ class_name: 'MyModel', config: { layers: [] } })).toThrow(
      /subclassed model.*functional API/,
    );
  });
});

describe('the built-in models in Keras 3 form', () => {
  for (const id of ['mobilenet_v2_140', 'mobilenet_v2', 'inception_v3', 'tiny_cnn']) {
    it(`${id}: every layer config holds only arguments Keras 3 accepts`, () => {
      const json = JSON.parse(
        readFileSync(join(process.cwd(), 'public/models', id, 'model.json'), 'utf8'),
      ) as {
        modelTopology: JsonObject;
      };
      const g = graphFromKeras(json.modelTopology);
      const v3 = keras2ToKeras3(graphToKeras(g), kerasLayerOrder(g), shapesOf(g));
      const layers = (v3.config as { layers: JsonObject[] }).layers;
      expect(layers).toHaveLength(g.layers.length);
      for (const l of layers) {
        const className = String(l.class_name);
        const allowed =
          className === 'InputLayer'
            ? ['batch_shape', 'dtype', 'sparse', 'name']
            : [...BASE_ARGS, ...KERAS3_ARGS[className]];
        expect(KERAS3_ARGS[className] ?? className === 'InputLayer', className).toBeTruthy();
        for (const key of Object.keys(l.config as JsonObject))
          expect(allowed, `${String(l.name)}.${key}`).toContain(key);
      }
    });
  }
});
