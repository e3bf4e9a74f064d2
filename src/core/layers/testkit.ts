/** Helpers for the layer spec tests: run a spec on its defaults plus overrides. */
import type { LayerConfig, Shape, WeightSpec } from '../types';
import { countParams } from './helpers';
import { getLayerSpec } from './registry';
import type { LayerSpec } from './spec';

/** The registered spec of `className`; throws when it is missing so tests fail loudly. */
export function specOf(className: string): LayerSpec {
  const spec = getLayerSpec(className);
  if (!spec) throw new Error(`no spec for ${className}`);
  return spec;
}

/** The layer's defaults with `overrides` applied, as the editor would store them. */
export function configOf(className: string, overrides: LayerConfig = {}): LayerConfig {
  return { ...specOf(className).defaults(), ...overrides };
}

/** Output shape of a valid layer; throws with the layer's error otherwise. */
export function shapeOf(
  className: string,
  inputs: Shape[],
  overrides: LayerConfig = {},
  name = 'layer_1',
): Shape {
  const result = specOf(className).computeOutputShape(configOf(className, overrides), inputs, name);
  if (!result.ok) throw new Error(`expected a shape, got: ${result.error}`);
  return result.shape;
}

/** Error message of an invalid layer; throws when the layer is unexpectedly valid. */
export function errorOf(
  className: string,
  inputs: Shape[],
  overrides: LayerConfig = {},
  name = 'layer_1',
): string {
  const result = specOf(className).computeOutputShape(configOf(className, overrides), inputs, name);
  if (result.ok) throw new Error(`expected an error, got shape [${result.shape.join(', ')}]`);
  return result.error;
}

/** Weights of a layer on its defaults plus `overrides`. */
export function weightsOf(className: string, inputs: Shape[], overrides: LayerConfig = {}): WeightSpec[] {
  return specOf(className).weights(configOf(className, overrides), inputs);
}

/** Parameter counts the way Keras's summary reports them. */
export function paramsOf(
  className: string,
  inputs: Shape[],
  overrides: LayerConfig = {},
): { total: number; trainable: number; nonTrainable: number } {
  const weights = weightsOf(className, inputs, overrides);
  const trainable = countParams(weights.filter((w) => w.trainable));
  const total = countParams(weights);
  return { total, trainable, nonTrainable: total - trainable };
}
