import { describe, expect, it } from 'vitest';
import type { Shape } from '../types';
import { convOutputLength, countParams, formatShape, MAX_PARAMS } from './helpers';
import { allLayerSpecs, getLayerSpec, PALETTE_CLASSES } from './registry';
import { shapeOf, specOf, weightsOf } from './testkit';

/** An input each palette layer accepts with its defaults. */
const SAMPLE_INPUTS: Record<string, Shape[]> = {
  Dense: [[null, 64]],
  Dropout: [[null, 64]],
  GlobalAveragePooling2D: [[null, 7, 7, 64]],
  GlobalMaxPooling2D: [[null, 7, 7, 64]],
  Flatten: [[null, 7, 7, 64]],
  Conv2D: [[null, 7, 7, 64]],
  DepthwiseConv2D: [[null, 7, 7, 64]],
  SeparableConv2D: [[null, 7, 7, 64]],
  MaxPooling2D: [[null, 8, 8, 64]],
  AveragePooling2D: [[null, 8, 8, 64]],
  BatchNormalization: [[null, 7, 7, 64]],
  LayerNormalization: [[null, 64]],
  Activation: [[null, 64]],
  ReLU: [[null, 64]],
  Softmax: [[null, 64]],
  Add: [
    [null, 64],
    [null, 64],
  ],
  Concatenate: [
    [null, 64],
    [null, 32],
  ],
  Multiply: [
    [null, 64],
    [null, 64],
  ],
  Reshape: [[null, 7, 7, 64]],
  ZeroPadding2D: [[null, 7, 7, 64]],
  Rescaling: [[null, 224, 224, 3]],
};

describe('registry', () => {
  it('lists exactly the palette specs, each once', () => {
    const inPalette = allLayerSpecs()
      .filter((s) => s.inPalette)
      .map((s) => s.className);
    expect([...PALETTE_CLASSES].sort()).toEqual([...inPalette].sort());
    expect(new Set(PALETTE_CLASSES).size).toBe(PALETTE_CLASSES.length);
  });

  it('knows the non-palette classes and nothing else', () => {
    expect(getLayerSpec('InputLayer')?.inPalette).toBe(false);
    expect(getLayerSpec('Average')?.inPalette).toBe(false);
    expect(getLayerSpec('SpatialDropout2D')?.inPalette).toBe(false);
    expect(getLayerSpec('LSTM')).toBeUndefined();
    const names = allLayerSpecs().map((s) => s.className);
    expect(new Set(names).size).toBe(names.length);
  });

  it('hands out copies', () => {
    const specs = allLayerSpecs();
    specs.pop();
    expect(allLayerSpecs().length).toBe(specs.length + 1);
    const config = specOf('Dense').defaults();
    config.units = 1;
    expect(specOf('Dense').defaults().units).toBe(32);
  });

  it.each(PALETTE_CLASSES.map((c) => [c]))('%s works on its defaults', (className) => {
    const inputs = SAMPLE_INPUTS[className];
    expect(inputs).toBeDefined();
    expect(() => shapeOf(className, inputs ?? [])).not.toThrow();
  });

  it.each(allLayerSpecs().map((s) => [s.className, s] as const))('%s has consistent fields', (_, spec) => {
    const defaults = spec.defaults();
    for (const field of spec.fields) {
      expect(field.key in defaults, `${field.key} in defaults`).toBe(true);
      expect(field.label.length).toBeGreaterThan(0);
      expect(field.key).not.toBe('name');
      const value = defaults[field.key];
      if (field.kind === 'enum') expect(field.options).toContain(value);
      if (field.kind === 'intList' && field.length !== undefined) expect(value).toHaveLength(field.length);
    }
    expect(spec.minInputs).toBeLessThanOrEqual(spec.maxInputs);
  });

  it('uses Keras initializer objects in defaults', () => {
    expect(specOf('Dense').defaults().kernelInitializer).toEqual({
      className: 'GlorotUniform',
      config: { seed: null },
    });
    expect(specOf('Dense').defaults().biasInitializer).toEqual({ className: 'Zeros', config: {} });
    expect(specOf('Dense').defaults().kernelRegularizer).toBeNull();
  });
});

describe('MobileNetV2 first block', () => {
  it('matches the Keras summary shapes and parameter counts', () => {
    const steps: [string, Record<string, unknown>][] = [
      ['Conv2D', { filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false }],
      ['BatchNormalization', { epsilon: 0.001, momentum: 0.999 }],
      ['ReLU', { maxValue: 6 }],
      ['DepthwiseConv2D', { kernelSize: 3, padding: 'same', useBias: false }],
      ['BatchNormalization', {}],
      ['ReLU', { maxValue: 6 }],
      ['Conv2D', { filters: 16, kernelSize: 1, padding: 'same', useBias: false }],
      ['BatchNormalization', {}],
    ];
    let shape: Shape = shapeOf('InputLayer', []);
    const params: number[] = [];
    for (const [className, config] of steps) {
      const typed = config as Record<string, number | string | boolean>;
      params.push(countParams(weightsOf(className, [shape], typed)));
      shape = shapeOf(className, [shape], typed);
    }
    expect(shape).toEqual([null, 112, 112, 16]);
    expect(params).toEqual([864, 128, 0, 288, 128, 0, 512, 64]);
  });
});

describe('helpers', () => {
  it('convOutputLength follows tfjs-layers', () => {
    expect(convOutputLength(224, 3, 'same', 2)).toBe(112);
    expect(convOutputLength(225, 3, 'valid', 2)).toBe(112);
    expect(convOutputLength(147, 3, 'valid', 2)).toBe(73);
    expect(convOutputLength(10, 3, 'valid', 1, 2)).toBe(6);
    expect(convOutputLength(null, 3, 'valid', 1)).toBeNull();
  });

  it('formats shapes with null batch', () => {
    expect(formatShape([null, 7, 7, 1280])).toBe('[null, 7, 7, 1280]');
  });

  it('caps layers at 1e8 parameters', () => {
    expect(MAX_PARAMS).toBe(1e8);
  });
});
