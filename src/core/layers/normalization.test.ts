import { describe, expect, it } from 'vitest';
import { errorOf, paramsOf, shapeOf, weightsOf } from './testkit';

describe('BatchNormalization', () => {
  it('keeps the shape', () => {
    expect(shapeOf('BatchNormalization', [[null, 112, 112, 32]])).toEqual([null, 112, 112, 32]);
  });

  it('has 128 parameters on 32 channels: 64 trainable, 64 not (MobileNetV2 bn_Conv1)', () => {
    expect(paramsOf('BatchNormalization', [[null, 112, 112, 32]])).toEqual({
      total: 128,
      trainable: 64,
      nonTrainable: 64,
    });
    expect(paramsOf('BatchNormalization', [[null, 7, 7, 1280]]).total).toBe(5120);
  });

  it('names gamma, beta, moving_mean, moving_variance in Keras order', () => {
    expect(weightsOf('BatchNormalization', [[null, 4, 4, 8]])).toEqual([
      { name: 'gamma', shape: [8], trainable: true },
      { name: 'beta', shape: [8], trainable: true },
      { name: 'moving_mean', shape: [8], trainable: false },
      { name: 'moving_variance', shape: [8], trainable: false },
    ]);
  });

  it('leaves out gamma without scale and beta without center', () => {
    const names = (config: { scale?: boolean; center?: boolean }) =>
      weightsOf('BatchNormalization', [[null, 8]], config).map((w) => w.name);
    expect(names({ scale: false })).toEqual(['beta', 'moving_mean', 'moving_variance']);
    expect(names({ center: false })).toEqual(['gamma', 'moving_mean', 'moving_variance']);
  });

  it('reads axis as a number or a one-element list, as Keras writes it', () => {
    expect(weightsOf('BatchNormalization', [[null, 4, 4, 8]], { axis: [3] })[0]?.shape).toEqual([8]);
    expect(weightsOf('BatchNormalization', [[null, 4, 6, 8]], { axis: 2 })[0]?.shape).toEqual([6]);
  });

  it('refuses the batch axis, out-of-range axes and unknown sizes', () => {
    expect(errorOf('BatchNormalization', [[null, 4, 4, 8]], { axis: 0 }, 'bn')).toMatch(
      /^bn has axis 0, which is the batch axis/,
    );
    expect(errorOf('BatchNormalization', [[null, 8]], { axis: 3 }, 'bn')).toMatch(/has only 2 axes/);
    expect(errorOf('BatchNormalization', [[null, 4, 4, null]], {}, 'bn')).toMatch(
      /needs a known size along axis 3/,
    );
  });

  it('refuses a momentum above 1 and epsilon 0', () => {
    expect(errorOf('BatchNormalization', [[null, 8]], { momentum: 2 }, 'bn')).toBe(
      'bn has momentum 2: set Momentum to a number from 0 to 1',
    );
    expect(errorOf('BatchNormalization', [[null, 8]], { epsilon: 0 }, 'bn')).toMatch(/epsilon 0/);
  });
});

describe('LayerNormalization', () => {
  it('keeps the shape and owns gamma and beta over the last axis', () => {
    expect(shapeOf('LayerNormalization', [[null, 10, 64]])).toEqual([null, 10, 64]);
    expect(weightsOf('LayerNormalization', [[null, 10, 64]])).toEqual([
      { name: 'gamma', shape: [64], trainable: true },
      { name: 'beta', shape: [64], trainable: true },
    ]);
    expect(paramsOf('LayerNormalization', [[null, 10, 64]]).total).toBe(128);
  });

  it('normalizes over several axes when asked', () => {
    expect(weightsOf('LayerNormalization', [[null, 4, 6, 8]], { axis: [1, 2, 3] })[0]?.shape).toEqual([
      4, 6, 8,
    ]);
  });

  it('refuses duplicate axes and a 1-D input', () => {
    expect(errorOf('LayerNormalization', [[null, 4, 8]], { axis: [2, -1] }, 'ln')).toMatch(
      /lists an axis twice/,
    );
    expect(errorOf('LayerNormalization', [[null]], {}, 'ln')).toMatch(/nothing to normalize/);
  });
});
