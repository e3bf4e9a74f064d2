import { describe, expect, it } from 'vitest';
import { errorOf, shapeOf, weightsOf } from './testkit';

describe('MaxPooling2D', () => {
  it("3x3 stride 2 'valid' on 147 gives 73 (InceptionV3)", () => {
    const config = { poolSize: [3, 3], strides: [2, 2], padding: 'valid' };
    expect(shapeOf('MaxPooling2D', [[null, 147, 147, 64]], config)).toEqual([null, 73, 73, 64]);
  });

  it('uses the pool size as strides when strides is null, and accepts numbers', () => {
    expect(shapeOf('MaxPooling2D', [[null, 9, 9, 8]], { poolSize: 3, strides: null })).toEqual([
      null,
      3,
      3,
      8,
    ]);
    expect(shapeOf('MaxPooling2D', [[null, 8, 8, 8]])).toEqual([null, 4, 4, 8]);
  });

  it("rounds up with 'same'", () => {
    expect(shapeOf('MaxPooling2D', [[null, 7, 7, 8]], { padding: 'same' })).toEqual([null, 4, 4, 8]);
  });

  it('keeps unknown sizes unknown and has no weights', () => {
    expect(shapeOf('MaxPooling2D', [[null, null, null, 8]])).toEqual([null, null, null, 8]);
    expect(weightsOf('MaxPooling2D', [[null, 8, 8, 8]])).toEqual([]);
  });

  it('fails when the pool does not fit or the input is not an image', () => {
    expect(errorOf('MaxPooling2D', [[null, 2, 2, 8]], { poolSize: [3, 3] }, 'pool')).toMatch(
      /^pool gets input \[null, 2, 2, 8\], which is smaller than its pool size 3x3.*use padding 'same' or a smaller pool size$/,
    );
    expect(errorOf('MaxPooling2D', [[null, 64]], {}, 'pool')).toMatch(/MaxPooling2D needs 4-D/);
    expect(errorOf('MaxPooling2D', [[null, 8, 8, 8]], { strides: [0, 1] }, 'pool')).toMatch(/set Strides/);
  });
});

describe('AveragePooling2D', () => {
  it('halves height and width by default', () => {
    expect(shapeOf('AveragePooling2D', [[null, 35, 35, 192]])).toEqual([null, 17, 17, 192]);
  });

  it("3x3 stride 1 'same' keeps the size (InceptionV3 branch pools)", () => {
    const config = { poolSize: [3, 3], strides: [1, 1], padding: 'same' };
    expect(shapeOf('AveragePooling2D', [[null, 35, 35, 192]], config)).toEqual([null, 35, 35, 192]);
  });

  it('refuses a 3-D input', () => {
    expect(errorOf('AveragePooling2D', [[null, 10, 8]], {}, 'avg')).toMatch(/^avg gets a 3-D input/);
  });
});

describe.each(['GlobalAveragePooling2D', 'GlobalMaxPooling2D'])('%s', (className) => {
  it('pools [batch, h, w, c] to [batch, c]', () => {
    expect(shapeOf(className, [[null, 7, 7, 1280]])).toEqual([null, 1280]);
    expect(shapeOf(className, [[null, null, null, 1280]])).toEqual([null, 1280]);
  });

  it('keeps [batch, 1, 1, c] with keepdims', () => {
    expect(shapeOf(className, [[null, 7, 7, 1280]], { keepdims: true })).toEqual([null, 1, 1, 1280]);
  });

  it('says to remove it when the input is already flat', () => {
    expect(errorOf(className, [[null, 1280]], {}, 'gap')).toBe(
      `gap gets a 2-D input [null, 1280] that is already pooled (${className} needs 4-D [batch, height, width, channels]): remove gap`,
    );
  });

  it('refuses channels_first and a second input', () => {
    expect(errorOf(className, [[null, 3, 7, 7]], { dataFormat: 'channels_first' }, 'gap')).toMatch(
      /channels_first/,
    );
    expect(
      errorOf(
        className,
        [
          [null, 7, 7, 3],
          [null, 7, 7, 3],
        ],
        {},
        'gap',
      ),
    ).toMatch(/gets 2 inputs/);
  });
});
