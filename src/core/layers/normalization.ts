/** Normalization: BatchNormalization and LayerNormalization. Both keep their input's shape. */
import type { Shape, WeightSpec } from '../types';
import type { LayerSpec } from './spec';
import { AXIS, CENTER, EPSILON, MOMENTUM, SCALE_BOOL } from './fields';
import { type ConfigReader } from './config';
import { defineLayer } from './define';
import { fail, formatShape, onlyInput, requireKnown, resolveAxis, zeros, ones } from './helpers';

/**
 * Shape of the per-feature weights: the sizes of the normalized axes. Keras writes BatchNormalization's
 * axis as 3 or [3] depending on version, so both forms are read.
 */
function paramShape(c: ConfigReader, inputs: readonly Shape[]): number[] {
  const input = onlyInput(inputs);
  if (input.length < 2) {
    fail(
      `${c.name} gets a ${input.length}-D input ${formatShape(input)} with nothing to normalize: remove ${c.name}`,
    );
  }
  const axes = c.axes('axis', 'Axis', -1).map((a) => resolveAxis(a, input, c.name));
  if (new Set(axes).size !== axes.length) fail(`${c.name} lists an axis twice: give each axis once`);
  return axes.map((a) => requireKnown(input[a] ?? null, `size along axis ${a}`, input, c.name));
}

/** Validates what both normalizations share. */
function checkCommon(c: ConfigReader): void {
  // Keras accepts epsilon 0, but then a constant feature divides by zero.
  const epsilon = c.number('epsilon', 'Epsilon', 1e-3, 0);
  if (epsilon <= 0)
    fail(`${c.name} has epsilon 0, which divides by zero on constant features: use e.g. 0.001`);
  c.bool('center', 'Center', true);
  c.bool('scale', 'Scale', true);
}

/** gamma then beta, in Keras order, each only when its flag is on. */
function affineWeights(c: ConfigReader, shape: number[]): WeightSpec[] {
  const out: WeightSpec[] = [];
  if (c.bool('scale', 'Scale', true)) out.push({ name: 'gamma', shape, trainable: true });
  if (c.bool('center', 'Center', true)) out.push({ name: 'beta', shape: shape.slice(), trainable: true });
  return out;
}

const batchNormalization = defineLayer({
  className: 'BatchNormalization',
  category: 'normalization',
  inPalette: true,
  defaults: () => ({
    axis: -1,
    momentum: 0.99,
    epsilon: 0.001,
    center: true,
    scale: true,
    betaInitializer: zeros(),
    gammaInitializer: ones(),
    movingMeanInitializer: zeros(),
    movingVarianceInitializer: ones(),
    betaRegularizer: null,
    gammaRegularizer: null,
    betaConstraint: null,
    gammaConstraint: null,
  }),
  fields: [AXIS, MOMENTUM, EPSILON, CENTER, SCALE_BOOL],
  infer(c, inputs) {
    c.number('momentum', 'Momentum', 0.99, 0, 1);
    checkCommon(c);
    paramShape(c, inputs);
    return onlyInput(inputs).slice();
  },
  weights(c, inputs) {
    const shape = paramShape(c, inputs);
    return [
      ...affineWeights(c, shape),
      // Moving statistics are updated by the forward pass, never by the optimizer.
      { name: 'moving_mean', shape: shape.slice(), trainable: false },
      { name: 'moving_variance', shape: shape.slice(), trainable: false },
    ];
  },
});

const layerNormalization = defineLayer({
  className: 'LayerNormalization',
  category: 'normalization',
  inPalette: true,
  defaults: () => ({
    axis: -1,
    epsilon: 0.001,
    center: true,
    scale: true,
    betaInitializer: zeros(),
    gammaInitializer: ones(),
    betaRegularizer: null,
    gammaRegularizer: null,
    betaConstraint: null,
    gammaConstraint: null,
  }),
  fields: [AXIS, EPSILON, CENTER, SCALE_BOOL],
  infer(c, inputs) {
    checkCommon(c);
    paramShape(c, inputs);
    return onlyInput(inputs).slice();
  },
  weights: (c, inputs) => affineWeights(c, paramShape(c, inputs)),
});

/** BatchNormalization and LayerNormalization. */
export const NORMALIZATION_SPECS: readonly LayerSpec[] = [batchNormalization, layerNormalization];
