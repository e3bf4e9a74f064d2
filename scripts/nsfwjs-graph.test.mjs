import { describe, expect, it } from 'vitest';
import { graphToLayers } from './nsfwjs-graph.mjs';

// A small graph of the same shape as nsfwjs's MobileNetV2Mid: hub input scaling, one fused
// convolution, pooling, squeeze, a fused MatMul and softmax. The real model is checked against
// TF.js in src/training/worker/builtinMid.test.ts; these check the mapping and the refusals.

const P =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';
const b64 = (s) => Buffer.from(s).toString('base64');
const ints = (...i) => ({ list: { i: i.map(String) } });
const strs = (...s) => ({ list: { s: s.map(b64) } });

function graph({ mul = 2, op = '_FusedConv2D', fused = ['BiasAdd', 'Relu6'] } = {}) {
  const node = [
    { name: 'input', op: 'Placeholder' },
    { name: `${P}hub_input/Mul/y`, op: 'Const' },
    { name: `${P}hub_input/Sub/y`, op: 'Const' },
    { name: `${P}hub_input/Mul`, op: 'Mul', input: [`${P}hub_input/Mul/y`, 'input'] },
    { name: `${P}hub_input/Sub`, op: 'Sub', input: [`${P}hub_input/Mul`, `${P}hub_input/Sub/y`] },
    {
      name: `${P}MobilenetV2/Conv/Relu6`,
      op,
      input: [
        `${P}hub_input/Sub`,
        `${P}MobilenetV2/Conv/Conv2D_weights`,
        `${P}MobilenetV2/Conv/Conv2D_bn_offset`,
      ],
      attr: { strides: ints(1, 2, 2, 1), padding: { s: b64('SAME') }, fused_ops: strs(...fused) },
    },
    {
      name: `${P}MobilenetV2/Logits/AvgPool`,
      op: 'AvgPool',
      input: [`${P}MobilenetV2/Conv/Relu6`],
      attr: { ksize: ints(1, 2, 2, 1), strides: ints(1, 1, 1, 1), padding: { s: b64('VALID') } },
    },
    { name: `${P}feature_vector/SpatialSqueeze`, op: 'Squeeze', input: [`${P}MobilenetV2/Logits/AvgPool`] },
    {
      name: 'StatefulPartitionedCall/sequential/dense/BiasAdd',
      op: '_FusedMatMul',
      input: [`${P}feature_vector/SpatialSqueeze`, 'w', 'b'],
      attr: { transpose_a: { b: false }, transpose_b: { b: false }, fused_ops: strs('BiasAdd') },
    },
    {
      name: 'StatefulPartitionedCall/sequential/prediction/Softmax',
      op: 'Softmax',
      input: ['StatefulPartitionedCall/sequential/dense/BiasAdd'],
    },
    { name: 'Identity', op: 'Identity', input: ['StatefulPartitionedCall/sequential/prediction/Softmax'] },
  ];
  const q = (name, shape) => ({
    name,
    shape,
    dtype: 'float32',
    quantization: { min: 0, scale: 1, dtype: 'uint8' },
  });
  const weights = [
    { name: `${P}hub_input/Mul/y`, shape: [], dtype: 'float32' },
    { name: `${P}hub_input/Sub/y`, shape: [], dtype: 'float32' },
    q(`${P}MobilenetV2/Conv/Conv2D_weights`, [3, 3, 3, 4]),
    q(`${P}MobilenetV2/Conv/Conv2D_bn_offset`, [4]),
    q('w', [4, 5]),
    q('b', [5]),
  ];
  const data = new Uint8Array(8 + 108 + 4 + 20 + 5);
  const view = new DataView(data.buffer);
  view.setFloat32(0, mul, true);
  view.setFloat32(4, 1, true);
  for (let i = 8; i < data.length; i++) data[i] = i % 251;
  return { model: { modelTopology: { node }, weightsManifest: [{ paths: ['x'], weights }] }, data };
}

describe('graphToLayers (nsfwjs MobileNetV2Mid to a layers model)', () => {
  it('maps each op to its Keras layers and renames the weights without touching their bytes', () => {
    const { model, data } = graph();
    const out = graphToLayers(model, data);
    const layers = out.modelTopology.model_config.config.layers;
    expect(layers.map((l) => `${l.name}:${l.class_name}`)).toEqual([
      'input_1:InputLayer',
      'Conv:Conv2D',
      'Conv_relu:ReLU',
      'avg_pool:AveragePooling2D',
      'feature_vector:Flatten',
      'dense:Dense',
    ]);
    const conv = layers[1].config;
    expect(conv).toMatchObject({
      filters: 4,
      kernel_size: [3, 3],
      strides: [2, 2],
      padding: 'same',
      use_bias: true,
    });
    expect(layers[2].config.max_value).toBe(6);
    expect(layers[2].inbound_nodes).toEqual([[['Conv', 0, 0, {}]]]);
    expect(layers[3].config).toMatchObject({ pool_size: [2, 2], strides: [1, 1], padding: 'valid' });
    expect(layers[5].config).toMatchObject({ units: 5, activation: 'softmax' });
    expect(out.modelTopology.model_config.config.output_layers).toEqual([['dense', 0, 0]]);
    expect(out.weightSpecs.map((w) => w.name)).toEqual([
      'Conv/kernel',
      'Conv/bias',
      'dense/kernel',
      'dense/bias',
    ]);
    expect(out.weightSpecs[0].quantization).toEqual({ min: 0, scale: 1, dtype: 'uint8' });
    // The scaling constants are dropped; every other byte is kept, in order.
    expect([...out.weightData]).toEqual([...data.subarray(8)]);
  });

  it('refuses what it does not know, naming the node', () => {
    const conv3d = graph({ op: 'Conv3D' });
    expect(() => graphToLayers(conv3d.model, conv3d.data)).toThrow(
      /unsupported op Conv3D \(.*MobilenetV2\/Conv\/Relu6\)/,
    );
    const sigmoid = graph({ fused: ['BiasAdd', 'Sigmoid'] });
    expect(() => graphToLayers(sigmoid.model, sigmoid.data)).toThrow(/Conv\/Relu6: unsupported fused ops/);
    const scaled = graph({ mul: 3 });
    expect(() => graphToLayers(scaled.model, scaled.data)).toThrow(/hub_input\/Mul: expected x \* 2/);
    const short = graph();
    expect(() => graphToLayers(short.model, short.data.subarray(1))).toThrow(/145 bytes listed, 144 given/);
  });
});
