/** 2-D convolutions: Conv2D, DepthwiseConv2D, SeparableConv2D (channels_last, as in tfjs-layers). */
import type { LayerConfig, Shape, WeightSpec } from '../types';
import type { LayerSpec } from './spec';
import {
  ACTIVATION,
  DEPTH_MULTIPLIER,
  DILATION_RATE,
  FILTERS,
  KERNEL_SIZE,
  PADDING,
  STRIDES,
  USE_BIAS,
} from './fields';
import { type ConfigReader } from './config';
import { defineLayer } from './define';
import {
  type Padding,
  type Pair,
  fail,
  glorotUniform,
  kernelBiasDefaults,
  onlyInput,
  requireImage,
  requireKnown,
  slideWindow,
  zeros,
} from './helpers';

interface ConvGeometry {
  readonly input: Shape;
  readonly kernel: Pair;
  readonly strides: Pair;
  readonly padding: Padding;
  readonly dilation: Pair;
  /** Input channels; known, since the kernel's shape depends on it. */
  readonly channels: number;
}

/** Reads and checks what every 2-D convolution shares: window, strides, padding, input. */
function convGeometry(c: ConfigReader, inputs: readonly Shape[], className: string): ConvGeometry {
  const kernel = c.intPair('kernelSize', 'Kernel size');
  const strides = c.intPair('strides', 'Strides', [1, 1]);
  const padding = c.padding();
  const dilation = c.intPair('dilationRate', 'Dilation rate', [1, 1]);
  c.activation();
  c.bool('useBias', 'Use bias', true);
  // tf.conv2d and friends assert this; catching it here names the layer.
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1)) {
    fail(
      `${c.name} has strides [${strides.join(', ')}] and dilation rate [${dilation.join(', ')}], ` +
        `which TF.js cannot combine: set Strides or Dilation rate to [1, 1]`,
    );
  }
  const input = onlyInput(inputs);
  const [, , , inChannels] = requireImage(input, c.name, className);
  const channels = requireKnown(inChannels, 'number of input channels', input, c.name);
  return { input, kernel, strides, padding, dilation, channels };
}

/** [batch, height, width, channels] after sliding the kernel. */
function convOutput(g: ConvGeometry, channels: number, name: string): Shape {
  const [height, width] = slideWindow(
    g.input,
    g.kernel,
    g.strides,
    g.padding,
    g.dilation,
    'kernel size',
    name,
  );
  return [g.input[0] ?? null, height, width, channels];
}

function bias(c: ConfigReader, size: number): WeightSpec[] {
  return c.bool('useBias', 'Use bias', true) ? [{ name: 'bias', shape: [size], trainable: true }] : [];
}

/** Config keys every Keras 2-D convolution shares, with Keras's defaults. */
function baseConvDefaults(): LayerConfig {
  return {
    kernelSize: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    dataFormat: 'channels_last',
    dilationRate: [1, 1],
    activation: 'linear',
    useBias: true,
  };
}

const kernelText = (k: Pair): string => `${k[0]}x${k[1]}`;

const conv2D = defineLayer({
  className: 'Conv2D',
  category: 'convolution',
  inPalette: true,
  defaults: () => ({
    filters: 32,
    ...baseConvDefaults(),
    ...kernelBiasDefaults(),
  }),
  fields: [FILTERS, KERNEL_SIZE, STRIDES, PADDING, DILATION_RATE, ACTIVATION, USE_BIAS],
  infer(c, inputs) {
    const filters = c.positiveInt('filters', 'Filters');
    const groups = c.raw('groups');
    // Keras >= 2.3 writes groups; TF.js has no grouped convolution and would ignore it silently.
    if (groups !== undefined && groups !== null && groups !== 1) {
      fail(`${c.name} has groups ${String(groups)}, which TF.js does not support: set groups to 1`);
    }
    return convOutput(convGeometry(c, inputs, 'Conv2D'), filters, c.name);
  },
  weights(c, inputs) {
    const filters = c.positiveInt('filters', 'Filters');
    const g = convGeometry(c, inputs, 'Conv2D');
    return [
      { name: 'kernel', shape: [...g.kernel, g.channels, filters], trainable: true },
      ...bias(c, filters),
    ];
  },
  sizeAdvice: (c) => [
    `filters ${c.positiveInt('filters', 'Filters')}, kernel size ${kernelText(c.intPair('kernelSize', 'Kernel size'))}`,
    'use fewer filters or a smaller kernel size',
  ],
});

function depthMultiplier(c: ConfigReader): number {
  return c.positiveInt('depthMultiplier', 'Depth multiplier', 1);
}

const depthwiseConv2D = defineLayer({
  className: 'DepthwiseConv2D',
  category: 'convolution',
  inPalette: true,
  defaults: () => ({
    ...baseConvDefaults(),
    depthMultiplier: 1,
    depthwiseInitializer: glorotUniform(),
    biasInitializer: zeros(),
    depthwiseRegularizer: null,
    biasRegularizer: null,
    activityRegularizer: null,
    depthwiseConstraint: null,
    biasConstraint: null,
  }),
  fields: [KERNEL_SIZE, STRIDES, PADDING, DEPTH_MULTIPLIER, DILATION_RATE, ACTIVATION, USE_BIAS],
  infer(c, inputs) {
    const multiplier = depthMultiplier(c);
    const g = convGeometry(c, inputs, 'DepthwiseConv2D');
    return convOutput(g, g.channels * multiplier, c.name);
  },
  weights(c, inputs) {
    const multiplier = depthMultiplier(c);
    const g = convGeometry(c, inputs, 'DepthwiseConv2D');
    return [
      { name: 'depthwise_kernel', shape: [...g.kernel, g.channels, multiplier], trainable: true },
      ...bias(c, g.channels * multiplier),
    ];
  },
  sizeAdvice: (c) => [
    `depth multiplier ${depthMultiplier(c)}, kernel size ${kernelText(c.intPair('kernelSize', 'Kernel size'))}`,
    'use a smaller depth multiplier or kernel size',
  ],
});

const separableConv2D = defineLayer({
  className: 'SeparableConv2D',
  category: 'convolution',
  inPalette: true,
  defaults: () => ({
    filters: 32,
    ...baseConvDefaults(),
    depthMultiplier: 1,
    depthwiseInitializer: glorotUniform(),
    pointwiseInitializer: glorotUniform(),
    biasInitializer: zeros(),
    depthwiseRegularizer: null,
    pointwiseRegularizer: null,
    biasRegularizer: null,
    activityRegularizer: null,
    depthwiseConstraint: null,
    pointwiseConstraint: null,
    biasConstraint: null,
  }),
  fields: [FILTERS, KERNEL_SIZE, STRIDES, PADDING, DEPTH_MULTIPLIER, DILATION_RATE, ACTIVATION, USE_BIAS],
  infer(c, inputs) {
    const filters = c.positiveInt('filters', 'Filters');
    depthMultiplier(c);
    return convOutput(convGeometry(c, inputs, 'SeparableConv2D'), filters, c.name);
  },
  weights(c, inputs) {
    const filters = c.positiveInt('filters', 'Filters');
    const multiplier = depthMultiplier(c);
    const g = convGeometry(c, inputs, 'SeparableConv2D');
    return [
      { name: 'depthwise_kernel', shape: [...g.kernel, g.channels, multiplier], trainable: true },
      { name: 'pointwise_kernel', shape: [1, 1, g.channels * multiplier, filters], trainable: true },
      ...bias(c, filters),
    ];
  },
  sizeAdvice: (c) => [
    `filters ${c.positiveInt('filters', 'Filters')}, depth multiplier ${depthMultiplier(c)}`,
    'use fewer filters or a smaller depth multiplier',
  ],
});

/** Conv2D, DepthwiseConv2D and SeparableConv2D. */
export const CONVOLUTION_SPECS: readonly LayerSpec[] = [conv2D, depthwiseConv2D, separableConv2D];
