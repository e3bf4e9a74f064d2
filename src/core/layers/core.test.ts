import { describe, expect, it } from 'vitest';
import { errorOf, paramsOf, shapeOf, specOf, weightsOf } from './testkit';

describe('InputLayer', () => {
  it('outputs its batchInputShape and takes no inputs', () => {
    expect(shapeOf('InputLayer', [])).toEqual([null, 224, 224, 3]);
    expect(specOf('InputLayer').minInputs).toBe(0);
    expect(specOf('InputLayer').maxInputs).toBe(0);
  });

  it('reads the Keras 3 batchShape and a bare inputShape', () => {
    expect(shapeOf('InputLayer', [], { batchInputShape: null, batchShape: [null, 299, 299, 3] })).toEqual([
      null,
      299,
      299,
      3,
    ]);
    expect(shapeOf('InputLayer', [], { batchInputShape: null, inputShape: [10] })).toEqual([null, 10]);
  });

  it('refuses inputs and malformed shapes', () => {
    expect(errorOf('InputLayer', [[null, 3]], {}, 'input_1')).toMatch(
      /^input_1 is an input and takes no inputs/,
    );
    expect(errorOf('InputLayer', [], { batchInputShape: [null, 0, 3] }, 'input_1')).toMatch(
      /^input_1 has input shape \[null, 0, 3\]/,
    );
    expect(errorOf('InputLayer', [], { batchInputShape: null }, 'input_1')).toMatch(/has no input shape/);
  });
});

describe('Dense', () => {
  it('maps [batch, features] to [batch, units]', () => {
    expect(shapeOf('Dense', [[null, 1280]], { units: 256 })).toEqual([null, 256]);
  });

  it('counts parameters like Keras: 1280 -> 256 is 327936', () => {
    expect(paramsOf('Dense', [[null, 1280]], { units: 256 }).total).toBe(327936);
    // MobileNetV2's classifier head.
    expect(paramsOf('Dense', [[null, 1280]], { units: 1000 }).total).toBe(1281000);
  });

  it('names its weights kernel and bias in Keras order', () => {
    expect(weightsOf('Dense', [[null, 1280]], { units: 256 })).toEqual([
      { name: 'kernel', shape: [1280, 256], trainable: true },
      { name: 'bias', shape: [256], trainable: true },
    ]);
    expect(weightsOf('Dense', [[null, 1280]], { units: 256, useBias: false })).toEqual([
      { name: 'kernel', shape: [1280, 256], trainable: true },
    ]);
  });

  it('says to flatten or pool a 4-D input', () => {
    expect(errorOf('Dense', [[null, 7, 7, 1280]], {}, 'dense_4')).toBe(
      'dense_4 gets a 4-D input [null, 7, 7, 1280] but Dense needs 2-D: add Flatten or GlobalAveragePooling2D before dense_4',
    );
    expect(errorOf('Dense', [[null, 10, 64]], {}, 'dense_4')).toMatch(
      /needs 2-D: add Flatten before dense_4$/,
    );
  });

  it('refuses two inputs and unknown feature counts', () => {
    expect(
      errorOf(
        'Dense',
        [
          [null, 4],
          [null, 4],
        ],
        {},
        'dense_1',
      ),
    ).toMatch(/^dense_1 gets 2 inputs but Dense takes 1: .*Add or Concatenate/);
    expect(errorOf('Dense', [], {}, 'dense_1')).toBe('dense_1 has no input: connect a layer to dense_1');
    expect(errorOf('Dense', [[null, null]], {}, 'dense_1')).toMatch(/needs a known number of input features/);
  });

  it('refuses non-positive or fractional units', () => {
    expect(errorOf('Dense', [[null, 8]], { units: 0 }, 'dense_1')).toBe(
      'dense_1 has units 0: set Units to a whole number of at least 1',
    );
    expect(errorOf('Dense', [[null, 8]], { units: 2.5 }, 'dense_1')).toMatch(/units 2\.5/);
    expect(errorOf('Dense', [[null, 8]], { units: '32' }, 'dense_1')).toMatch(/units '32'/);
    expect(errorOf('Dense', [[null, 8]], { units: null }, 'dense_1')).toBe('dense_1 has no units: set Units');
  });

  it('refuses absurd sizes before anything is allocated', () => {
    expect(errorOf('Dense', [[null, 1280]], { units: 2e9 }, 'dense_1')).toBe(
      'dense_1 would have 2562000000000 parameters (units 2000000000): use a smaller number of units',
    );
    // Just under the limit is still fine.
    expect(shapeOf('Dense', [[null, 1000]], { units: 99000 })).toEqual([null, 99000]);
  });

  it('refuses unknown activations', () => {
    expect(errorOf('Dense', [[null, 8]], { activation: 'banana' }, 'dense_1')).toMatch(
      /^dense_1 has activation 'banana': set Activation to one of linear, relu/,
    );
  });
});

describe('Dropout', () => {
  it('keeps the shape and has no weights', () => {
    expect(shapeOf('Dropout', [[null, 7, 7, 32]])).toEqual([null, 7, 7, 32]);
    expect(weightsOf('Dropout', [[null, 8]])).toEqual([]);
  });

  it('refuses rates outside [0, 1)', () => {
    expect(errorOf('Dropout', [[null, 8]], { rate: 1 }, 'dropout_1')).toMatch(
      /^dropout_1 has rate 1, .*below 1/,
    );
    expect(errorOf('Dropout', [[null, 8]], { rate: -0.1 }, 'dropout_1')).toMatch(/from 0 to 1/);
  });
});

describe('SpatialDropout2D', () => {
  it('keeps a 4-D shape and refuses others', () => {
    expect(shapeOf('SpatialDropout2D', [[null, 7, 7, 32]], { rate: 0.2 })).toEqual([null, 7, 7, 32]);
    expect(errorOf('SpatialDropout2D', [[null, 32]], {}, 'sd')).toMatch(/needs 4-D/);
  });
});

describe('Rescaling', () => {
  it('keeps the shape and defaults to 1/255', () => {
    expect(shapeOf('Rescaling', [[null, 224, 224, 3]])).toEqual([null, 224, 224, 3]);
    expect(specOf('Rescaling').defaults()).toEqual({ scale: 1 / 255, offset: 0 });
  });

  it('refuses a non-numeric scale', () => {
    expect(errorOf('Rescaling', [[null, 3]], { scale: 'x' }, 'rescaling')).toBe(
      "rescaling has scale 'x': set Scale to a number",
    );
  });
});
