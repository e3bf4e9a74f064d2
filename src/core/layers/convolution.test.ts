import { describe, expect, it } from 'vitest';
import { errorOf, paramsOf, shapeOf, weightsOf } from './testkit';

// MobileNetV2's stem: Conv1 is Conv2D(32, 3, strides=2, padding='same', use_bias=False).
const conv1 = { filters: 32, kernelSize: [3, 3], strides: [2, 2], padding: 'same', useBias: false };

describe('Conv2D', () => {
  it("'same' stride 2 on 224 gives 112", () => {
    expect(shapeOf('Conv2D', [[null, 224, 224, 3]], conv1)).toEqual([null, 112, 112, 32]);
  });

  it("'valid' 3x3 stride 2 on 225 gives 112, and on 299 gives 149 (InceptionV3)", () => {
    const valid = { ...conv1, padding: 'valid' };
    expect(shapeOf('Conv2D', [[null, 225, 225, 3]], valid)).toEqual([null, 112, 112, 32]);
    expect(shapeOf('Conv2D', [[null, 299, 299, 3]], valid)).toEqual([null, 149, 149, 32]);
  });

  it('accepts kernel size and strides as single numbers', () => {
    expect(shapeOf('Conv2D', [[null, 224, 224, 3]], { ...conv1, kernelSize: 3, strides: 2 })).toEqual([
      null,
      112,
      112,
      32,
    ]);
  });

  it('counts 864 parameters for 3x3, 3 -> 32 without bias, 896 with', () => {
    expect(paramsOf('Conv2D', [[null, 224, 224, 3]], conv1).total).toBe(864);
    expect(paramsOf('Conv2D', [[null, 224, 224, 3]], { ...conv1, useBias: true }).total).toBe(896);
    // MobileNetV2's expanded_conv_project (1x1, 32 -> 16) and Conv_1 (1x1, 320 -> 1280).
    const pointwise = { kernelSize: [1, 1], useBias: false };
    expect(paramsOf('Conv2D', [[null, 112, 112, 32]], { ...pointwise, filters: 16 }).total).toBe(512);
    expect(paramsOf('Conv2D', [[null, 7, 7, 320]], { ...pointwise, filters: 1280 }).total).toBe(409600);
  });

  it('names its weights kernel [kh, kw, in, filters] and bias', () => {
    expect(weightsOf('Conv2D', [[null, 8, 8, 3]], { filters: 4 })).toEqual([
      { name: 'kernel', shape: [3, 3, 3, 4], trainable: true },
      { name: 'bias', shape: [4], trainable: true },
    ]);
  });

  it('shrinks by the dilated kernel', () => {
    expect(shapeOf('Conv2D', [[null, 10, 10, 3]], { dilationRate: 2 })).toEqual([null, 6, 6, 32]);
  });

  it('says it needs 4-D [batch, height, width, channels]', () => {
    expect(errorOf('Conv2D', [[null, 1280]], {}, 'conv2d_1')).toMatch(
      /^conv2d_1 gets a 2-D input \[null, 1280\] but Conv2D needs 4-D \[batch, height, width, channels\]: .*Reshape/,
    );
  });

  it("suggests padding 'same' or a smaller kernel when the kernel does not fit", () => {
    const error = errorOf('Conv2D', [[null, 2, 2, 3]], { kernelSize: [3, 3] }, 'conv2d_1');
    expect(error).toMatch(
      /^conv2d_1 gets input \[null, 2, 2, 3\], which is smaller than its kernel size 3x3/,
    );
    expect(error).toMatch(/use padding 'same' or a smaller kernel size$/);
    expect(shapeOf('Conv2D', [[null, 2, 2, 3]], { padding: 'same' })).toEqual([null, 2, 2, 32]);
  });

  it('refuses bad configs with the field to fix', () => {
    expect(errorOf('Conv2D', [[null, 8, 8, 3]], { filters: 0 }, 'c')).toBe(
      'c has filters 0: set Filters to a whole number of at least 1',
    );
    expect(errorOf('Conv2D', [[null, 8, 8, 3]], { kernelSize: [3] }, 'c')).toMatch(
      /set Kernel size to two whole/,
    );
    expect(errorOf('Conv2D', [[null, 8, 8, 3]], { padding: 'causal' }, 'c')).toMatch(
      /set Padding to one of valid, same/,
    );
    expect(errorOf('Conv2D', [[null, 8, 8, 3]], { strides: 2, dilationRate: 2 }, 'c')).toMatch(
      /cannot combine/,
    );
    expect(errorOf('Conv2D', [[null, 8, 8, 3]], { groups: 3 }, 'c')).toMatch(/groups 3/);
    expect(errorOf('Conv2D', [[null, 8, 8, null]], {}, 'c')).toMatch(
      /needs a known number of input channels/,
    );
  });

  it('rejects channels_first', () => {
    expect(errorOf('Conv2D', [[null, 3, 8, 8]], { dataFormat: 'channels_first' }, 'c')).toMatch(
      /^c uses data format channels_first, .*channels_last/,
    );
  });

  it('refuses absurd sizes', () => {
    expect(errorOf('Conv2D', [[null, 8, 8, 1024]], { filters: 100000 }, 'c')).toBe(
      'c would have 921700000 parameters (filters 100000, kernel size 3x3): use fewer filters or a smaller kernel size',
    );
  });
});

describe('DepthwiseConv2D', () => {
  const dw = { kernelSize: [3, 3], padding: 'same', useBias: false };

  it('keeps channels and counts 288 parameters for 3x3 on 32 channels', () => {
    expect(shapeOf('DepthwiseConv2D', [[null, 112, 112, 32]], dw)).toEqual([null, 112, 112, 32]);
    expect(paramsOf('DepthwiseConv2D', [[null, 112, 112, 32]], dw).total).toBe(288);
  });

  it('multiplies channels by the depth multiplier', () => {
    const input = [[null, 56, 56, 32]];
    const config = { ...dw, depthMultiplier: 2, useBias: true, strides: [2, 2] };
    expect(shapeOf('DepthwiseConv2D', input, config)).toEqual([null, 28, 28, 64]);
    expect(weightsOf('DepthwiseConv2D', input, config)).toEqual([
      { name: 'depthwise_kernel', shape: [3, 3, 32, 2], trainable: true },
      { name: 'bias', shape: [64], trainable: true },
    ]);
  });

  it('refuses a non-image input and a bad depth multiplier', () => {
    expect(errorOf('DepthwiseConv2D', [[null, 32]], {}, 'dw')).toMatch(
      /needs 4-D \[batch, height, width, channels\]/,
    );
    expect(errorOf('DepthwiseConv2D', [[null, 8, 8, 3]], { depthMultiplier: 0 }, 'dw')).toMatch(
      /set Depth multiplier to a whole number/,
    );
  });
});

describe('SeparableConv2D', () => {
  it('has depthwise, pointwise and bias weights', () => {
    // Xception's block2_sepconv2: SeparableConv2D(128, 3, padding='same', use_bias=False) on 128 channels.
    const config = { filters: 128, padding: 'same', useBias: false };
    expect(shapeOf('SeparableConv2D', [[null, 147, 147, 128]], config)).toEqual([null, 147, 147, 128]);
    expect(paramsOf('SeparableConv2D', [[null, 147, 147, 128]], config).total).toBe(17536);
    expect(weightsOf('SeparableConv2D', [[null, 8, 8, 64]], { filters: 128, depthMultiplier: 2 })).toEqual([
      { name: 'depthwise_kernel', shape: [3, 3, 64, 2], trainable: true },
      { name: 'pointwise_kernel', shape: [1, 1, 128, 128], trainable: true },
      { name: 'bias', shape: [128], trainable: true },
    ]);
  });

  it("'valid' padding shrinks by the kernel and a too-small input fails", () => {
    expect(shapeOf('SeparableConv2D', [[null, 10, 10, 8]], { filters: 16 })).toEqual([null, 8, 8, 16]);
    expect(errorOf('SeparableConv2D', [[null, 1, 1, 8]], {}, 's')).toMatch(/use padding 'same'/);
  });
});
