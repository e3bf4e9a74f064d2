/**
 * Shared machinery for the layer specs: user-facing errors, shape formatting and the shape
 * arithmetic of convolutions, pooling and axes.
 */
import type { JsonValue, Shape, WeightSpec } from '../types';

/**
 * Layers above this many parameters are refused before anything is built: a typo such as
 * units 2000000000 would otherwise try to allocate gigabytes and take the tab down.
 */
export const MAX_PARAMS = 1e8;

/** A problem with a layer, worded for the user; `defineLayer` turns it into `{ ok: false }`. */
export class LayerError extends Error {
  override name = 'LayerError';
}

/** Throws a `LayerError` with a user-facing message. */
export function fail(message: string): never {
  throw new LayerError(message);
}

/** Formats a shape the way messages show it: `[null, 7, 7, 1280]`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** Formats a config value for a message: strings quoted, lists bracketed. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Number of values one weight holds. */
export function weightSize(weight: WeightSpec): number {
  return weight.shape.reduce((n, d) => n * d, 1);
}

/** Total number of parameters of a weight list (trainable or not), as Keras counts them. */
export function countParams(weights: readonly WeightSpec[]): number {
  return weights.reduce((n, w) => n + weightSize(w), 0);
}

/**
 * Output length of a convolution or pooling along one axis, exactly as tfjs-layers'
 * `convOutputLength`: 'same' keeps the length before striding, 'valid' loses the dilated
 * kernel minus one. Null (unknown) stays null. May return <= 0; callers report that.
 */
export function convOutputLength(
  inputLength: number | null,
  kernel: number,
  padding: Padding,
  stride: number,
  dilation = 1,
): number | null {
  if (inputLength === null) return null;
  const dilatedKernel = kernel + (kernel - 1) * (dilation - 1);
  const length = padding === 'same' ? inputLength : inputLength - dilatedKernel + 1;
  return Math.floor((length + stride - 1) / stride);
}

export type Padding = 'valid' | 'same';
export type Pair = readonly [number, number];
/** [batch, height, width, channels]. */
export type ImageShape = [number | null, number | null, number | null, number | null];

/** Size of dimension `i`, which the caller knows to exist (shapes are validated first). */
export function dimAt(shape: Shape, i: number): number | null {
  return shape[i] ?? null;
}

/** `4-D` for a rank-4 shape: the wording every rank message uses. */
export function rankLabel(shape: Shape): string {
  return `${shape.length}-D`;
}

/**
 * Fails unless `shape` is a 4-D image batch, with advice fitting what came in instead.
 * Returns the shape as [batch, height, width, channels].
 */
export function requireImage(shape: Shape, name: string, className: string): ImageShape {
  if (shape.length !== 4) {
    const advice =
      shape.length === 2
        ? `its input is flat; add a Reshape to [height, width, channels] before ${name} or connect ${name} to an image-shaped layer`
        : `add a Reshape to [height, width, channels] before ${name}`;
    fail(
      `${name} gets a ${rankLabel(shape)} input ${formatShape(shape)} but ${className} needs 4-D ` +
        `[batch, height, width, channels]: ${advice}`,
    );
  }
  return [dimAt(shape, 0), dimAt(shape, 1), dimAt(shape, 2), dimAt(shape, 3)];
}

/** Fails when a size the layer's weights depend on is unknown (null). */
export function requireKnown(size: number | null, what: string, shape: Shape, name: string): number {
  if (size === null) {
    fail(
      `${name} needs a known ${what} but its input ${formatShape(shape)} leaves it unknown: ` +
        `give the model input a fixed shape`,
    );
  }
  return size;
}

/**
 * Height and width after a sliding window (convolution or pooling). A window larger than the
 * input fails here, naming the fix, instead of as a bare negative-dimension error in TF.js.
 */
export function slideWindow(
  input: Shape,
  window: Pair,
  strides: Pair,
  padding: Padding,
  dilation: Pair,
  windowLabel: string,
  name: string,
): [number | null, number | null] {
  const out: [number | null, number | null] = [null, null];
  for (const axis of [0, 1] as const) {
    const size = dimAt(input, axis + 1);
    const length = convOutputLength(size, window[axis], padding, strides[axis], dilation[axis]);
    if (length !== null && length <= 0) {
      const dilated = window.map((k, i) => k + (k - 1) * ((dilation[i] ?? 1) - 1));
      const dilatedNote = dilation.some((d) => d > 1) ? ` (${dilated.join('x')} with its dilation rate)` : '';
      fail(
        `${name} gets input ${formatShape(input)}, which is smaller than its ${windowLabel} ` +
          `${window.join('x')}${dilatedNote} with padding 'valid', so its output would be empty: ` +
          `use padding 'same' or a smaller ${windowLabel}`,
      );
    }
    out[axis] = length;
  }
  return out;
}

/** Resolves a possibly negative axis of a `rank`-D input, refusing the batch axis. */
export function resolveAxis(axis: number, shape: Shape, name: string): number {
  const rank = shape.length;
  const resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) {
    fail(
      `${name} has axis ${axis} but its input ${formatShape(shape)} has only ${rank} axes: ` +
        `use an axis from 1 to ${rank - 1}, or -1 for the last`,
    );
  }
  if (resolved === 0) {
    fail(
      `${name} has axis ${axis}, which is the batch axis of its input ${formatShape(shape)}: ` +
        `use an axis from 1 to ${rank - 1}, or -1 for the last`,
    );
  }
  return resolved;
}

/** Keras's default kernel initializer, in camelCase Keras form. */
export function glorotUniform(): JsonValue {
  return { className: 'GlorotUniform', config: { seed: null } };
}

/** Keras's default bias/beta/moving-mean initializer. */
export function zeros(): JsonValue {
  return { className: 'Zeros', config: {} };
}

/** Keras's defaults for a layer with a kernel and a bias (Dense, Conv2D): initializers, no regularizers or constraints. */
export function kernelBiasDefaults(): { [key: string]: JsonValue } {
  return {
    kernelInitializer: glorotUniform(),
    biasInitializer: zeros(),
    kernelRegularizer: null,
    biasRegularizer: null,
    activityRegularizer: null,
    kernelConstraint: null,
    biasConstraint: null,
  };
}

/** Keras's default gamma/moving-variance initializer. */
export function ones(): JsonValue {
  return { className: 'Ones', config: {} };
}

/** The single input of a one-input layer (the input count is checked before `infer`). */
export function onlyInput(inputs: readonly Shape[]): Shape {
  return inputs[0] ?? [];
}
