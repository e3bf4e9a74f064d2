import { describe, expect, it } from 'vitest';
import { errorOf, shapeOf, weightsOf } from './testkit';

describe('Flatten', () => {
  it('multiplies out every size but the batch', () => {
    expect(shapeOf('Flatten', [[null, 7, 7, 1280]])).toEqual([null, 62720]);
    expect(weightsOf('Flatten', [[null, 7, 7, 1280]])).toEqual([]);
  });

  it('says to remove it on an already flat input', () => {
    expect(errorOf('Flatten', [[null, 1280]], {}, 'flatten_1')).toBe(
      'flatten_1 gets a 2-D input [null, 1280] that is already flat: remove flatten_1',
    );
  });

  it('refuses unknown sizes', () => {
    expect(errorOf('Flatten', [[null, null, null, 3]], {}, 'flatten_1')).toMatch(
      /unknown sizes.*GlobalAveragePooling2D/,
    );
  });
});

describe('Reshape', () => {
  it('infers the -1 size', () => {
    expect(shapeOf('Reshape', [[null, 7, 7, 1280]])).toEqual([null, 62720]);
    expect(shapeOf('Reshape', [[null, 7, 7, 1280]], { targetShape: [49, -1] })).toEqual([null, 49, 1280]);
    expect(shapeOf('Reshape', [[null, 1280]], { targetShape: [1, 1, 1280] })).toEqual([null, 1, 1, 1280]);
  });

  it('leaves -1 unknown when the input size is unknown', () => {
    expect(shapeOf('Reshape', [[null, null, 8]], { targetShape: [-1, 4] })).toEqual([null, null, 4]);
  });

  it('refuses a mismatched element count', () => {
    expect(errorOf('Reshape', [[null, 7, 7, 1280]], { targetShape: [100, 100] }, 'reshape_1')).toBe(
      'reshape_1 cannot reshape [null, 7, 7, 1280] (62720 values per sample) into [100, 100] (10000 values): ' +
        'set Target shape to sizes whose product is 62720, or use -1 for one of them',
    );
    expect(errorOf('Reshape', [[null, 10]], { targetShape: [3, -1] }, 'reshape_1')).toMatch(
      /10 is not divisible by 3/,
    );
  });

  it('refuses two -1 and non-positive sizes', () => {
    expect(errorOf('Reshape', [[null, 10]], { targetShape: [-1, -1] }, 'r')).toMatch(/more than one -1/);
    expect(errorOf('Reshape', [[null, 10]], { targetShape: [0, 10] }, 'r')).toMatch(
      /^r has target shape \[0, 10\]/,
    );
  });
});

describe('ZeroPadding2D', () => {
  it('pads one on every side by default', () => {
    expect(shapeOf('ZeroPadding2D', [[null, 224, 224, 3]])).toEqual([null, 226, 226, 3]);
  });

  it('reads [[top, bottom], [left, right]] (MobileNetV2 pads ((0, 1), (0, 1)) before strided convs)', () => {
    expect(
      shapeOf('ZeroPadding2D', [[null, 112, 112, 96]], {
        padding: [
          [0, 1],
          [0, 1],
        ],
      }),
    ).toEqual([null, 113, 113, 96]);
  });

  it('reads a single number and a [rows, cols] pair', () => {
    expect(shapeOf('ZeroPadding2D', [[null, 10, 10, 3]], { padding: 2 })).toEqual([null, 14, 14, 3]);
    expect(shapeOf('ZeroPadding2D', [[null, 10, 10, 3]], { padding: [1, 3] })).toEqual([null, 12, 16, 3]);
  });

  it('refuses negative padding and non-image inputs', () => {
    expect(errorOf('ZeroPadding2D', [[null, 10, 10, 3]], { padding: -1 }, 'pad')).toMatch(
      /^pad has padding -1/,
    );
    expect(errorOf('ZeroPadding2D', [[null, 10]], {}, 'pad')).toMatch(/needs 4-D/);
  });
});
