// Turns nsfwjs's MobileNetV2Mid, a TF.js *graph* model (TF Hub's MobileNet V2 1.4 feature vector
// with batch norm folded into the convolutions, then a Dense layer), into a Keras-style TF.js
// *layers* model that the editor can show, edit and train. Every graph op maps to one or two
// Keras layers:
//   _FusedConv2D (BiasAdd[, Relu6])            -> Conv2D(use_bias) [+ ReLU(max_value 6)]
//   FusedDepthwiseConv2dNative (BiasAdd, Relu6) -> DepthwiseConv2D(use_bias) + ReLU(max_value 6)
//   AddV2 -> Add, AvgPool -> AveragePooling2D, Squeeze -> Flatten,
//   _FusedMatMul (BiasAdd) + Softmax -> Dense(softmax).
// The graph's first two ops (x * 2 - 1, TF Hub's input convention) are dropped: the layers model
// takes pixels in -1..1, which the editor's "-1..1" preprocessing gives. The weights keep their
// 8-bit quantization; only their names change (to "<layer>/kernel" and the like).

const PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';

const INIT = {
  class_name: 'VarianceScaling',
  config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null },
};
const ZEROS = { class_name: 'Zeros', config: {} };
const NO_REG = {
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
};

function attr(node, key) {
  const a = node.attr?.[key];
  if (!a) return undefined;
  if (a.s !== undefined) return Buffer.from(a.s, 'base64').toString();
  if (a.list)
    return a.list.i ? a.list.i.map(Number) : (a.list.s ?? []).map((s) => Buffer.from(s, 'base64').toString());
  if (a.f !== undefined) return a.f;
  if (a.i !== undefined) return Number(a.i);
  if (a.b !== undefined) return a.b;
  return a;
}

/** "…/MobilenetV2/expanded_conv_3/depthwise/depthwise" -> "expanded_conv_3_depthwise". */
function layerName(nodeName) {
  const path = nodeName.startsWith(PREFIX) ? nodeName.slice(PREFIX.length) : nodeName;
  const parts = path.split('/');
  if (parts[0] !== 'MobilenetV2') throw new Error(`unexpected node ${nodeName}`);
  return parts.length <= 2 ? parts[1] : `${parts[1]}_${parts[2]}`;
}

function byteSize(spec) {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return n * ({ uint8: 1, uint16: 2, float16: 2, float32: 4, int32: 4 }[dtype] ?? 4);
}

/**
 * @param {{ modelTopology: { node: any[] }, weightsManifest: { weights: any[] }[] }} model the
 *   graph model's JSON (nsfwjs's model.min.js)
 * @param {Uint8Array} weightData all weight shards, concatenated in manifest order
 * @returns {{ modelTopology: object, weightSpecs: object[], weightData: Uint8Array }}
 */
export function graphToLayers(model, weightData) {
  // Slice the shard bytes per weight.
  const weights = new Map();
  let offset = 0;
  for (const spec of model.weightsManifest.flatMap((g) => g.weights)) {
    const size = byteSize(spec);
    weights.set(spec.name, { spec, bytes: weightData.subarray(offset, offset + size) });
    offset += size;
  }
  if (offset !== weightData.length)
    throw new Error(`weights: ${offset} bytes listed, ${weightData.length} given`);
  const nodes = model.modelTopology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const scalar = (name) => {
    const w = weights.get(name);
    const q = w.spec.quantization;
    return q ? w.bytes[0] * q.scale + q.min : new Float32Array(w.bytes.slice().buffer)[0];
  };

  const layers = [
    {
      name: 'input_1',
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, 224, 224, 3], dtype: 'float32', sparse: false, name: 'input_1' },
      inbound_nodes: [],
    },
  ];
  const specs = [];
  const chunks = [];
  /** Graph node name -> the layer whose output it is. */
  const outputOf = new Map();
  const addWeight = (layer, key, graphName) => {
    const w = weights.get(graphName);
    if (!w) throw new Error(`weight ${graphName} missing`);
    specs.push({ ...w.spec, name: `${layer}/${key}` });
    chunks.push(w.bytes);
    return w.spec.shape;
  };
  const push = (name, className, config, input) => {
    layers.push({
      name,
      class_name: className,
      config: { name, trainable: true, ...config },
      inbound_nodes: [input.map((i) => [i, 0, 0, {}])],
    });
    return name;
  };
  const src = (n, i = 0) => {
    const from = outputOf.get(n.input[i]);
    if (!from) throw new Error(`${n.name}: input ${n.input[i]} has no layer`);
    return from;
  };

  for (const n of nodes) {
    switch (n.op) {
      case 'Placeholder':
        outputOf.set(n.name, 'input_1');
        break;
      case 'Const':
      case 'Identity':
        break;
      case 'Mul':
        if (Math.abs(scalar(n.input[0]) - 2) > 1e-6) throw new Error(`${n.name}: expected x * 2`);
        outputOf.set(n.name, outputOf.get(n.input[1]));
        break;
      case 'Sub':
        if (Math.abs(scalar(n.input[1]) - 1) > 1e-6) throw new Error(`${n.name}: expected x - 1`);
        outputOf.set(n.name, outputOf.get(n.input[0]));
        break;
      case '_FusedConv2D':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = n.op !== '_FusedConv2D';
        const fused = attr(n, 'fused_ops');
        if (fused[0] !== 'BiasAdd' || fused.length > 2 || (fused[1] && fused[1] !== 'Relu6')) {
          throw new Error(`${n.name}: unsupported fused ops ${fused}`);
        }
        const strides = attr(n, 'strides');
        const padding = attr(n, 'padding').toLowerCase();
        const name = layerName(n.name.replace(/\/(Relu6|BatchNorm\/FusedBatchNormV3|depthwise)$/, ''));
        const shape = addWeight(name, depthwise ? 'depthwise_kernel' : 'kernel', n.input[1]);
        addWeight(name, 'bias', n.input[2]);
        const common = {
          kernel_size: [shape[0], shape[1]],
          strides: [strides[1], strides[2]],
          padding,
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'linear',
          use_bias: true,
        };
        let out = depthwise
          ? push(
              name,
              'DepthwiseConv2D',
              {
                ...common,
                bias_initializer: ZEROS,
                bias_regularizer: null,
                activity_regularizer: null,
                bias_constraint: null,
                depth_multiplier: shape[3],
                depthwise_initializer: INIT,
                depthwise_regularizer: null,
                depthwise_constraint: null,
              },
              [src(n)],
            )
          : push(
              name,
              'Conv2D',
              { filters: shape[3], ...common, kernel_initializer: INIT, bias_initializer: ZEROS, ...NO_REG },
              [src(n)],
            );
        if (fused[1] === 'Relu6') {
          out = push(
            name === 'Conv_1' ? 'out_relu' : `${name}_relu`,
            'ReLU',
            { max_value: 6, negative_slope: 0, threshold: 0 },
            [out],
          );
        }
        outputOf.set(n.name, out);
        break;
      }
      case 'AddV2':
        outputOf.set(n.name, push(layerName(n.name), 'Add', {}, [src(n, 0), src(n, 1)]));
        break;
      case 'AvgPool': {
        const k = attr(n, 'ksize');
        const s = attr(n, 'strides');
        outputOf.set(
          n.name,
          push(
            'avg_pool',
            'AveragePooling2D',
            {
              pool_size: [k[1], k[2]],
              padding: attr(n, 'padding').toLowerCase(),
              strides: [s[1], s[2]],
              data_format: 'channels_last',
            },
            [src(n)],
          ),
        );
        break;
      }
      case 'Squeeze':
        outputOf.set(n.name, push('feature_vector', 'Flatten', { data_format: 'channels_last' }, [src(n)]));
        break;
      case '_FusedMatMul': {
        if (attr(n, 'transpose_a') || attr(n, 'transpose_b')) throw new Error(`${n.name}: transposed MatMul`);
        const shape = addWeight('dense', 'kernel', n.input[1]);
        addWeight('dense', 'bias', n.input[2]);
        const softmax = nodes.some((m) => m.op === 'Softmax' && m.input[0] === n.name);
        outputOf.set(
          n.name,
          push(
            'dense',
            'Dense',
            {
              units: shape[1],
              activation: softmax ? 'softmax' : 'linear',
              use_bias: true,
              kernel_initializer: INIT,
              bias_initializer: ZEROS,
              ...NO_REG,
            },
            [src(n)],
          ),
        );
        break;
      }
      case 'Softmax':
        if (!byName.get(n.input[0]) || byName.get(n.input[0]).op !== '_FusedMatMul')
          throw new Error(`${n.name}: Softmax after ${n.input[0]}`);
        outputOf.set(n.name, outputOf.get(n.input[0]));
        break;
      default:
        throw new Error(`unsupported op ${n.op} (${n.name})`);
    }
  }
  const last = layers[layers.length - 1].name;
  return {
    modelTopology: {
      keras_version: '2.2.4',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Model',
        config: {
          name: 'mobilenet_v2_1.4',
          layers,
          input_layers: [['input_1', 0, 0]],
          output_layers: [[last, 0, 0]],
        },
      },
    },
    weightSpecs: specs,
    weightData: new Uint8Array(Buffer.concat(chunks)),
  };
}
