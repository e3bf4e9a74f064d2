/** Activation layers: Activation, ReLU, Softmax. All keep their input's shape. */
import type { LayerSpec } from './spec';
import { ACTIVATION, AXIS } from './fields';
import { defineLayer } from './define';
import { onlyInput, resolveAxis } from './helpers';

const activation = defineLayer({
  className: 'Activation',
  category: 'activation',
  inPalette: true,
  defaults: () => ({ activation: 'relu' }),
  fields: [ACTIVATION],
  infer(c, inputs) {
    c.activation('activation', 'Activation', true);
    return onlyInput(inputs).slice();
  },
});

const relu = defineLayer({
  className: 'ReLU',
  category: 'activation',
  inPalette: true,
  defaults: () => ({ maxValue: null, negativeSlope: 0, threshold: 0 }),
  fields: [
    { key: 'maxValue', label: 'Max value', kind: 'float', min: 0 },
    { key: 'negativeSlope', label: 'Negative slope', kind: 'float', min: 0 },
    { key: 'threshold', label: 'Threshold', kind: 'float', min: 0 },
  ],
  infer(c, inputs) {
    // Same limits as Keras's ReLU constructor.
    c.nullableNumber('maxValue', 'Max value', 0);
    c.number('negativeSlope', 'Negative slope', 0, 0);
    c.number('threshold', 'Threshold', 0, 0);
    return onlyInput(inputs).slice();
  },
});

const softmax = defineLayer({
  className: 'Softmax',
  category: 'activation',
  inPalette: true,
  defaults: () => ({ axis: -1 }),
  fields: [AXIS],
  infer(c, inputs) {
    const shape = onlyInput(inputs);
    for (const axis of c.axes('axis', 'Axis', -1)) resolveAxis(axis, shape, c.name);
    return shape.slice();
  },
});

/** Activation, ReLU and Softmax. */
export const ACTIVATION_SPECS: readonly LayerSpec[] = [activation, relu, softmax];
