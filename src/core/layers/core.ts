/** Core layers: InputLayer, Dense, Dropout, SpatialDropout2D, Rescaling. */
import type { JsonValue, Shape } from '../types';
import type { LayerSpec } from './spec';
import { ACTIVATION, RATE, UNITS, USE_BIAS } from './fields';
import { type ConfigReader } from './config';
import { defineLayer } from './define';
import {
  dimAt,
  fail,
  formatShape,
  formatValue,
  kernelBiasDefaults,
  onlyInput,
  rankLabel,
  requireImage,
  requireKnown,
} from './helpers';

/**
 * The model input's shape with its batch dimension. Keras 2 writes batchInputShape, Keras 3
 * batchShape; a bare inputShape gets the unknown batch dimension prepended.
 */
function readBatchInputShape(c: ConfigReader): Shape {
  const batch = c.raw('batchInputShape') ?? c.raw('batchShape');
  const inputShape = c.raw('inputShape');
  const raw: JsonValue | undefined = batch ?? (Array.isArray(inputShape) ? [null, ...inputShape] : undefined);
  if (raw === undefined || raw === null) {
    fail(`${c.name} has no input shape: set batchInputShape, e.g. [null, 224, 224, 3]`);
  }
  const valid =
    Array.isArray(raw) &&
    raw.length >= 1 &&
    raw.every((d) => d === null || (typeof d === 'number' && Number.isInteger(d) && d >= 1));
  if (!valid) {
    fail(
      `${c.name} has input shape ${formatValue(raw)}: use whole numbers of at least 1, with null ` +
        `for the batch and other unknown sizes, e.g. [null, 224, 224, 3]`,
    );
  }
  return raw as Shape;
}

const inputLayer = defineLayer({
  className: 'InputLayer',
  category: 'input',
  inPalette: false,
  minInputs: 0,
  maxInputs: 0,
  defaults: () => ({ batchInputShape: [null, 224, 224, 3], dtype: 'float32', sparse: false }),
  // batchInputShape holds null for the batch, which no FieldKind can edit; the editor sets it.
  fields: [],
  infer: (c) => readBatchInputShape(c),
});

/** Why Dense got the wrong rank and the fix that usually applies. */
function denseRankAdvice(shape: Shape, name: string): string {
  if (shape.length === 4) return `add Flatten or GlobalAveragePooling2D before ${name}`;
  if (shape.length > 2) return `add Flatten before ${name}`;
  return `add a Reshape with target shape [1] before ${name}`;
}

/** Dense input features; Dense is held to 2-D (Keras would apply it per position, rarely meant here). */
function denseInput(c: ConfigReader, inputs: readonly Shape[]): { shape: Shape; features: number } {
  const shape = onlyInput(inputs);
  if (shape.length !== 2) {
    fail(
      `${c.name} gets a ${rankLabel(shape)} input ${formatShape(shape)} but Dense needs 2-D: ` +
        denseRankAdvice(shape, c.name),
    );
  }
  return { shape, features: requireKnown(dimAt(shape, 1), 'number of input features', shape, c.name) };
}

const dense = defineLayer({
  className: 'Dense',
  category: 'core',
  inPalette: true,
  defaults: () => ({
    units: 32,
    activation: 'linear',
    useBias: true,
    ...kernelBiasDefaults(),
  }),
  fields: [UNITS, ACTIVATION, USE_BIAS],
  infer(c, inputs) {
    const units = c.positiveInt('units', 'Units');
    c.activation();
    c.bool('useBias', 'Use bias', true);
    const { shape } = denseInput(c, inputs);
    return [dimAt(shape, 0), units];
  },
  weights(c, inputs) {
    const units = c.positiveInt('units', 'Units');
    const { features } = denseInput(c, inputs);
    const kernel = { name: 'kernel', shape: [features, units], trainable: true };
    if (!c.bool('useBias', 'Use bias', true)) return [kernel];
    return [kernel, { name: 'bias', shape: [units], trainable: true }];
  },
  sizeAdvice: (c) => [`units ${c.positiveInt('units', 'Units')}`, 'use a smaller number of units'],
});

/** Keras's dropout rate: the fraction dropped, so 1 would zero everything. */
function readRate(c: ConfigReader): number {
  const rate = c.number('rate', 'Rate', undefined, 0, 1);
  if (rate >= 1) fail(`${c.name} has rate ${rate}, which would drop every value: set Rate below 1, e.g. 0.5`);
  return rate;
}

const dropout = defineLayer({
  className: 'Dropout',
  category: 'regularization',
  inPalette: true,
  defaults: () => ({ rate: 0.5, noiseShape: null, seed: null }),
  fields: [RATE],
  infer(c, inputs) {
    readRate(c);
    return onlyInput(inputs).slice();
  },
});

// Not in tfjs-layers; kept so Keras models that use it import with correct shapes.
const spatialDropout2D = defineLayer({
  className: 'SpatialDropout2D',
  category: 'regularization',
  inPalette: false,
  defaults: () => ({ rate: 0.5, dataFormat: 'channels_last', noiseShape: null, seed: null }),
  fields: [RATE],
  infer(c, inputs) {
    readRate(c);
    return requireImage(onlyInput(inputs), c.name, 'SpatialDropout2D');
  },
});

const rescaling = defineLayer({
  className: 'Rescaling',
  category: 'core',
  inPalette: true,
  defaults: () => ({ scale: 1 / 255, offset: 0 }),
  fields: [
    { key: 'scale', label: 'Scale', kind: 'float' },
    { key: 'offset', label: 'Offset', kind: 'float' },
  ],
  infer(c, inputs) {
    c.number('scale', 'Scale', undefined);
    c.number('offset', 'Offset', 0);
    return onlyInput(inputs).slice();
  },
});

/** InputLayer, Dense, Dropout, SpatialDropout2D and Rescaling. */
export const CORE_SPECS: readonly LayerSpec[] = [inputLayer, dense, dropout, spatialDropout2D, rescaling];
