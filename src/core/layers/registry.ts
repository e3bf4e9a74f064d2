/** The Keras layer classes the editor knows, looked up by class name. */
import type { LayerSpec } from './spec';
import { ACTIVATION_SPECS } from './activation';
import { CONVOLUTION_SPECS } from './convolution';
import { CORE_SPECS } from './core';
import { MERGE_SPECS } from './merge';
import { NORMALIZATION_SPECS } from './normalization';
import { POOLING_SPECS } from './pooling';
import { RESHAPE_SPECS } from './reshape';

const SPECS: readonly LayerSpec[] = [
  ...CORE_SPECS,
  ...CONVOLUTION_SPECS,
  ...POOLING_SPECS,
  ...NORMALIZATION_SPECS,
  ...ACTIVATION_SPECS,
  ...MERGE_SPECS,
  ...RESHAPE_SPECS,
];

const BY_CLASS: ReadonlyMap<string, LayerSpec> = new Map(SPECS.map((s) => [s.className, s]));

/** Layers palette order: what a transfer-learning head needs first, then building blocks by category. */
export const PALETTE_CLASSES: readonly string[] = [
  'Dense',
  'Dropout',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'BatchNormalization',
  'LayerNormalization',
  'Activation',
  'ReLU',
  'Softmax',
  'Add',
  'Concatenate',
  'Multiply',
  'Reshape',
  'ZeroPadding2D',
  'Rescaling',
];

/** The spec of a Keras layer class, or undefined when the editor does not support it. */
export function getLayerSpec(className: string): LayerSpec | undefined {
  return BY_CLASS.get(className);
}

/** Every supported layer spec, palette or not. */
export function allLayerSpecs(): LayerSpec[] {
  return SPECS.slice();
}
