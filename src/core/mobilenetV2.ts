import type { JsonValue } from './types';

/**
 * MobileNet V2 as keras.applications builds it (keras/src/applications/mobilenet_v2.py), at any
 * width multiplier, written as a Keras 2 functional topology with the same layer names, so a
 * Keras Applications weights file (`mobilenet_v2_weights_tf_dim_ordering_tf_kernels_<alpha>_<rows>_no_top.h5`,
 * which holds weights but no config) can be matched to it layer by layer.
 */

type JsonObject = { [key: string]: JsonValue };

/** keras.applications' _make_divisible: channels rounded to a multiple of 8, never down by more than 10 %. */
export function makeDivisible(v: number, divisor = 8): number {
  let next = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < 0.9 * v) next += divisor;
  return next;
}

/** The inverted residual blocks: [filters, stride, expansion]. */
const BLOCKS: readonly [number, number, number][] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];

const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
const zeros = { class_name: 'Zeros', config: {} };
const ones = { class_name: 'Ones', config: {} };
/** The initializer, regularizer and constraint fields Keras writes for a Conv2D or Dense. */
const kernelFields = {
  kernel_initializer: glorot,
  bias_initializer: zeros,
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
};

export interface MobileNetV2Options {
  alpha: number;
  /** Input height and width (224 for the published weights). */
  rows?: number;
  /** Adds GlobalAveragePooling2D + the 1000-class "predictions" Dense of the ImageNet top. */
  includeTop?: boolean;
}

/** The Keras 2 functional topology (`{class_name: "Functional", config}`) of MobileNet V2. */
export function mobilenetV2Topology({
  alpha,
  rows = 224,
  includeTop = false,
}: MobileNetV2Options): JsonObject {
  const layers: JsonObject[] = [];
  let size = rows;
  const add = (className: string, name: string, config: JsonObject, inbound: string[]) => {
    layers.push({
      name,
      class_name: className,
      config: { name, trainable: true, ...config },
      inbound_nodes: inbound.length ? [inbound.map((n) => [n, 0, 0, {}])] : [],
    });
    return name;
  };
  const conv = (name: string, filters: number, kernel: number, stride: number, padding: string, x: string) =>
    add(
      'Conv2D',
      name,
      {
        filters,
        kernel_size: [kernel, kernel],
        strides: [stride, stride],
        padding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: false,
        ...kernelFields,
      },
      [x],
    );
  const bn = (name: string, x: string) =>
    add(
      'BatchNormalization',
      name,
      {
        axis: -1,
        momentum: 0.999,
        epsilon: 0.001,
        center: true,
        scale: true,
        beta_initializer: zeros,
        gamma_initializer: ones,
        moving_mean_initializer: zeros,
        moving_variance_initializer: ones,
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
      },
      [x],
    );
  const relu6 = (name: string, x: string) =>
    add('ReLU', name, { max_value: 6, negative_slope: 0, threshold: 0 }, [x]);

  const input = 'input_1';
  layers.push({
    name: input,
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, rows, rows, 3], dtype: 'float32', sparse: false, name: input },
    inbound_nodes: [],
  });
  const first = makeDivisible(32 * alpha);
  let x = conv('Conv1', first, 3, 2, 'same', input);
  size = Math.ceil(size / 2);
  x = relu6('Conv1_relu', bn('bn_Conv1', x));
  let channels = first;
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    const out = makeDivisible(Math.trunc(filters * alpha));
    const inputName = x;
    let prefix = `block_${id}_`;
    if (id) {
      x = conv(`${prefix}expand`, expansion * channels, 1, 1, 'same', x);
      x = relu6(`${prefix}expand_relu`, bn(`${prefix}expand_BN`, x));
    } else prefix = 'expanded_conv_';
    if (stride === 2) {
      // imagenet_utils.correct_pad: one row/column less before than after for even sizes.
      const adjust = 1 - (size % 2);
      x = add(
        'ZeroPadding2D',
        `${prefix}pad`,
        {
          padding: [
            [1 - adjust, 1],
            [1 - adjust, 1],
          ],
          data_format: 'channels_last',
        },
        [x],
      );
      size = Math.floor((size + 2 - adjust - 3) / 2) + 1;
    }
    x = add(
      'DepthwiseConv2D',
      `${prefix}depthwise`,
      {
        kernel_size: [3, 3],
        strides: [stride, stride],
        padding: stride === 1 ? 'same' : 'valid',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: false,
        depth_multiplier: 1,
        depthwise_initializer: glorot,
        bias_initializer: zeros,
        depthwise_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        depthwise_constraint: null,
        bias_constraint: null,
      },
      [x],
    );
    x = relu6(`${prefix}depthwise_relu`, bn(`${prefix}depthwise_BN`, x));
    x = bn(`${prefix}project_BN`, conv(`${prefix}project`, out, 1, 1, 'same', x));
    if (channels === out && stride === 1) x = add('Add', `${prefix}add`, {}, [inputName, x]);
    channels = out;
  });
  const last = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = relu6('out_relu', bn('Conv_1_bn', conv('Conv_1', last, 1, 1, 'valid', x)));
  if (includeTop) {
    x = add(
      'GlobalAveragePooling2D',
      'global_average_pooling2d',
      { data_format: 'channels_last', keepdims: false },
      [x],
    );
    x = add(
      'Dense',
      'predictions',
      {
        units: 1000,
        activation: 'softmax',
        use_bias: true,
        ...kernelFields,
      },
      [x],
    );
  }
  const name = `mobilenetv2_${alpha.toFixed(2)}_${rows}`;
  return {
    class_name: 'Functional',
    config: { name, layers, input_layers: [[input, 0, 0]], output_layers: [[x, 0, 0]] },
  };
}
