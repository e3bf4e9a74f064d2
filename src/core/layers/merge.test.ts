import { describe, expect, it } from 'vitest';
import { errorOf, shapeOf, specOf, weightsOf } from './testkit';

describe.each(['Add', 'Multiply', 'Average'])('%s', (className) => {
  it('combines equal shapes into the same shape', () => {
    const input = [null, 56, 56, 24];
    expect(shapeOf(className, [input, input])).toEqual(input);
    expect(shapeOf(className, [input, input, input])).toEqual(input);
    expect(weightsOf(className, [input, input])).toEqual([]);
    expect(specOf(className).maxInputs).toBe(Infinity);
  });

  it('stretches sizes of 1, as TF.js broadcasts them (squeeze-and-excite)', () => {
    expect(
      shapeOf(className, [
        [null, 7, 7, 32],
        [null, 1, 1, 32],
      ]),
    ).toEqual([null, 7, 7, 32]);
  });

  it('names the shapes and says to make them equal', () => {
    const error = errorOf(
      className,
      [
        [null, 7, 7, 32],
        [null, 7, 7, 64],
      ],
      {},
      'merge_1',
    );
    expect(error).toBe(
      `merge_1 gets inputs of different shapes [null, 7, 7, 32] and [null, 7, 7, 64]: ${className} needs equal ` +
        'shapes (or sizes of 1 that can stretch); change the layers before merge_1 so their outputs match',
    );
  });

  it('needs at least two inputs', () => {
    expect(errorOf(className, [[null, 8]], {}, 'merge_1')).toBe(
      `merge_1 gets 1 input but ${className} needs at least 2: connect another layer to merge_1`,
    );
  });
});

describe('Concatenate', () => {
  it('joins along channels by default', () => {
    expect(
      shapeOf('Concatenate', [
        [null, 35, 35, 64],
        [null, 35, 35, 64],
        [null, 35, 35, 96],
        [null, 35, 35, 32],
      ]),
    ).toEqual([null, 35, 35, 256]);
  });

  it('joins along another axis when asked', () => {
    expect(
      shapeOf(
        'Concatenate',
        [
          [null, 4, 8],
          [null, 6, 8],
        ],
        { axis: 1 },
      ),
    ).toEqual([null, 10, 8]);
  });

  it('leaves the joined size unknown when one input is', () => {
    expect(
      shapeOf('Concatenate', [
        [null, 7, 7, null],
        [null, 7, 7, 8],
      ]),
    ).toEqual([null, 7, 7, null]);
  });

  it('refuses inputs that differ off the axis, or in rank', () => {
    expect(
      errorOf(
        'Concatenate',
        [
          [null, 14, 14, 8],
          [null, 7, 7, 8],
        ],
        {},
        'concat',
      ),
    ).toMatch(/^concat gets inputs \[null, 14, 14, 8\], \[null, 7, 7, 8\] that differ on axis 1/);
    expect(
      errorOf(
        'Concatenate',
        [
          [null, 8],
          [null, 2, 4],
        ],
        {},
        'concat',
      ),
    ).toMatch(/different numbers of axes/);
  });

  it('refuses the batch axis and a single input', () => {
    expect(
      errorOf(
        'Concatenate',
        [
          [null, 8],
          [null, 8],
        ],
        { axis: 0 },
        'concat',
      ),
    ).toMatch(/batch axis/);
    expect(errorOf('Concatenate', [[null, 8]], {}, 'concat')).toMatch(/needs at least 2/);
  });
});
