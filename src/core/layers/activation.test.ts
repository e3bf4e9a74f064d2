import { describe, expect, it } from 'vitest';
import { errorOf, shapeOf, weightsOf } from './testkit';

describe('Activation', () => {
  it('keeps the shape and defaults to relu', () => {
    expect(shapeOf('Activation', [[null, 7, 7, 32]])).toEqual([null, 7, 7, 32]);
    expect(shapeOf('Activation', [[null, 10]], { activation: 'softmax' })).toEqual([null, 10]);
    expect(weightsOf('Activation', [[null, 10]])).toEqual([]);
  });

  it('refuses a missing or unknown activation', () => {
    expect(errorOf('Activation', [[null, 10]], { activation: null }, 'act')).toBe(
      'act has no activation: set Activation',
    );
    expect(errorOf('Activation', [[null, 10]], { activation: 'leaky' }, 'act')).toMatch(
      /^act has activation 'leaky'/,
    );
  });
});

describe('ReLU', () => {
  it('keeps the shape, with or without a cap (MobileNetV2 uses max value 6)', () => {
    expect(shapeOf('ReLU', [[null, 112, 112, 32]], { maxValue: 6 })).toEqual([null, 112, 112, 32]);
    expect(shapeOf('ReLU', [[null, 8]])).toEqual([null, 8]);
  });

  it('refuses negative limits like Keras', () => {
    expect(errorOf('ReLU', [[null, 8]], { maxValue: -1 }, 'relu')).toBe(
      'relu has max value -1: set Max value to a number of at least 0',
    );
    expect(errorOf('ReLU', [[null, 8]], { negativeSlope: -0.1 }, 'relu')).toMatch(/Negative slope/);
  });
});

describe('Softmax', () => {
  it('keeps the shape', () => {
    expect(shapeOf('Softmax', [[null, 10]])).toEqual([null, 10]);
    expect(shapeOf('Softmax', [[null, 4, 10]], { axis: 1 })).toEqual([null, 4, 10]);
  });

  it('refuses axes outside the input and the batch axis', () => {
    expect(errorOf('Softmax', [[null, 10]], { axis: 2 }, 'sm')).toBe(
      'sm has axis 2 but its input [null, 10] has only 2 axes: use an axis from 1 to 1, or -1 for the last',
    );
    expect(errorOf('Softmax', [[null, 10]], { axis: 0 }, 'sm')).toMatch(/batch axis/);
  });
});
