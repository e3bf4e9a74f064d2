/** 2-D pooling: MaxPooling2D, AveragePooling2D and their global forms. No weights. */
import type { LayerSpec } from './spec';
import { PADDING, POOL_SIZE, STRIDES } from './fields';
import { defineLayer } from './define';
import { fail, formatShape, onlyInput, rankLabel, requireImage, slideWindow } from './helpers';

/** A windowed pooling layer; strides null means "same as pool size", as in Keras. */
function pooling2D(className: string): LayerSpec {
  return defineLayer({
    className,
    category: 'pooling',
    inPalette: true,
    // Keras serializes the resolved strides, so defaults spell them out rather than null.
    defaults: () => ({ poolSize: [2, 2], padding: 'valid', strides: [2, 2], dataFormat: 'channels_last' }),
    fields: [POOL_SIZE, STRIDES, PADDING],
    infer(c, inputs) {
      const poolSize = c.intPair('poolSize', 'Pool size', [2, 2]);
      const strides = c.intPair('strides', 'Strides', poolSize);
      const padding = c.padding();
      const input = onlyInput(inputs);
      const [batch, , , channels] = requireImage(input, c.name, className);
      const [height, width] = slideWindow(input, poolSize, strides, padding, [1, 1], 'pool size', c.name);
      return [batch, height, width, channels];
    },
  });
}

/** A global pooling layer: [batch, h, w, c] to [batch, c], or [batch, 1, 1, c] with keepdims. */
function globalPooling2D(className: string): LayerSpec {
  return defineLayer({
    className,
    category: 'pooling',
    inPalette: true,
    // keepdims is Keras-only (tfjs-layers ignores it), so fresh layers leave it out.
    defaults: () => ({ dataFormat: 'channels_last' }),
    fields: [],
    infer(c, inputs) {
      const input = onlyInput(inputs);
      if (input.length === 2) {
        fail(
          `${c.name} gets a ${rankLabel(input)} input ${formatShape(input)} that is already pooled ` +
            `(${className} needs 4-D [batch, height, width, channels]): remove ${c.name}`,
        );
      }
      const [batch, , , channels] = requireImage(input, c.name, className);
      return c.bool('keepdims', 'Keep dims', false) ? [batch, 1, 1, channels] : [batch, channels];
    },
  });
}

/** MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D and GlobalMaxPooling2D. */
export const POOLING_SPECS: readonly LayerSpec[] = [
  pooling2D('MaxPooling2D'),
  pooling2D('AveragePooling2D'),
  globalPooling2D('GlobalAveragePooling2D'),
  globalPooling2D('GlobalMaxPooling2D'),
];
