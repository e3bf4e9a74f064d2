/** Inspector fields shared by several layer classes, so labels and limits stay consistent. */
import type { FieldSpec } from './spec';
import { ACTIVATIONS } from './config';

export const UNITS: FieldSpec = { key: 'units', label: 'Units', kind: 'int', min: 1 };
export const FILTERS: FieldSpec = { key: 'filters', label: 'Filters', kind: 'int', min: 1 };
export const ACTIVATION: FieldSpec = {
  key: 'activation',
  label: 'Activation',
  kind: 'enum',
  options: ACTIVATIONS,
};
export const USE_BIAS: FieldSpec = { key: 'useBias', label: 'Use bias', kind: 'bool' };
export const RATE: FieldSpec = { key: 'rate', label: 'Rate', kind: 'float', min: 0, max: 1 };
export const KERNEL_SIZE: FieldSpec = {
  key: 'kernelSize',
  label: 'Kernel size',
  kind: 'intList',
  length: 2,
  min: 1,
};
export const STRIDES: FieldSpec = { key: 'strides', label: 'Strides', kind: 'intList', length: 2, min: 1 };
export const PADDING: FieldSpec = {
  key: 'padding',
  label: 'Padding',
  kind: 'enum',
  options: ['valid', 'same'],
};
export const DILATION_RATE: FieldSpec = {
  key: 'dilationRate',
  label: 'Dilation rate',
  kind: 'intList',
  length: 2,
  min: 1,
};
export const DEPTH_MULTIPLIER: FieldSpec = {
  key: 'depthMultiplier',
  label: 'Depth multiplier',
  kind: 'int',
  min: 1,
};
export const POOL_SIZE: FieldSpec = {
  key: 'poolSize',
  label: 'Pool size',
  kind: 'intList',
  length: 2,
  min: 1,
};
export const AXIS: FieldSpec = { key: 'axis', label: 'Axis', kind: 'int' };
export const MOMENTUM: FieldSpec = { key: 'momentum', label: 'Momentum', kind: 'float', min: 0, max: 1 };
export const EPSILON: FieldSpec = { key: 'epsilon', label: 'Epsilon', kind: 'float', min: 0 };
export const CENTER: FieldSpec = { key: 'center', label: 'Center', kind: 'bool' };
export const SCALE_BOOL: FieldSpec = { key: 'scale', label: 'Scale', kind: 'bool' };
