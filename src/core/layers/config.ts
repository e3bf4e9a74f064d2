/** Reading layer configs: typed values with messages naming the layer and the Inspector field. */
import type { JsonValue, LayerConfig } from '../types';
import { type Padding, type Pair, fail, formatValue } from './helpers';

/** Activations offered in the Inspector (Keras names). */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'softmax',
  'tanh',
  'elu',
  'selu',
  'softplus',
  'softsign',
  'swish',
  'gelu',
  'hard_sigmoid',
] as const;

/**
 * Further names TF.js can run; accepted so imported models that use them stay valid.
 * The camelCase spellings are how tfjs-layers itself serializes some of them.
 */
const OTHER_TFJS_ACTIVATIONS = ['mish', 'gelu_new', 'log_softmax', 'hardSigmoid', 'logSoftmax'];
const KNOWN_ACTIVATIONS: ReadonlySet<string> = new Set([...ACTIVATIONS, ...OTHER_TFJS_ACTIVATIONS]);

/** Reads a layer config, failing with messages that name the layer and the Inspector field. */
export class ConfigReader {
  readonly config: LayerConfig;
  readonly name: string;

  constructor(config: LayerConfig, name: string) {
    this.config = config;
    this.name = name;
  }

  /** The raw value; undefined when absent. */
  raw(key: string): JsonValue | undefined {
    return this.config[key];
  }

  private bad(key: string, label: string, want: string): never {
    return fail(
      `${this.name} has ${label.toLowerCase()} ${formatValue(this.raw(key))}: set ${label} to ${want}`,
    );
  }

  private missing(label: string): never {
    return fail(`${this.name} has no ${label.toLowerCase()}: set ${label}`);
  }

  /** A whole number >= 1. Missing values fall back when `fallback` is given, else fail. */
  positiveInt(key: string, label: string, fallback?: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback ?? this.missing(label);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      return this.bad(key, label, 'a whole number of at least 1');
    }
    return v;
  }

  /** A finite number within [min, max]. */
  number(key: string, label: string, fallback: number | undefined, min = -Infinity, max = Infinity): number {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback ?? this.missing(label);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      const range =
        min > -Infinity && max < Infinity
          ? `a number from ${min} to ${max}`
          : min > -Infinity
            ? `a number of at least ${min}`
            : 'a number';
      return this.bad(key, label, range);
    }
    return v;
  }

  /** A number >= min, or null (e.g. ReLU's max value, where null means no cap). */
  nullableNumber(key: string, label: string, min: number): number | null {
    const v = this.raw(key);
    if (v === undefined || v === null) return null;
    return this.number(key, label, undefined, min);
  }

  /** A boolean; missing falls back. */
  bool(key: string, label: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') return this.bad(key, label, 'true or false');
    return v;
  }

  /** One of `options`; missing falls back. */
  choice<T extends string>(key: string, label: string, options: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback;
    const match = options.find((o) => o === v);
    return match ?? this.bad(key, label, `one of ${options.join(', ')}`);
  }

  /** Convolution/pooling padding; 'causal' is 1-D only, so it is refused here. */
  padding(): Padding {
    return this.choice('padding', 'Padding', ['valid', 'same'] as const, 'valid');
  }

  /** An activation name TF.js can run; null/absent means linear, as in Keras. */
  activation(key = 'activation', label = 'Activation', required = false): string {
    const v = this.raw(key);
    if (v === undefined || v === null) return required ? this.missing(label) : 'linear';
    if (typeof v !== 'string' || !KNOWN_ACTIVATIONS.has(v)) {
      return this.bad(key, label, `one of ${ACTIVATIONS.join(', ')}`);
    }
    return v;
  }

  /** Two whole numbers >= 1, given as a number (used twice) or a list of two. */
  intPair(key: string, label: string, fallback?: Pair): Pair {
    const v = this.raw(key);
    if (v === undefined || v === null) return fallback ?? this.missing(label);
    const list = typeof v === 'number' ? [v, v] : v;
    const isPositiveInt = (x: JsonValue): x is number =>
      typeof x === 'number' && Number.isInteger(x) && x >= 1;
    if (!Array.isArray(list) || list.length !== 2 || !list.every(isPositiveInt)) {
      return this.bad(key, label, 'two whole numbers of at least 1, e.g. [3, 3]');
    }
    const [a, b] = list as number[];
    return [a ?? 1, b ?? 1];
  }

  /** Whole numbers (possibly negative), given as one number or a non-empty list. */
  axes(key: string, label: string, fallback: number): number[] {
    const v = this.raw(key);
    if (v === undefined || v === null) return [fallback];
    const list = typeof v === 'number' ? [v] : v;
    const isInt = (x: JsonValue): x is number => typeof x === 'number' && Number.isInteger(x);
    if (!Array.isArray(list) || list.length === 0 || !list.every(isInt)) {
      return this.bad(key, label, 'a whole number, e.g. -1 for the last axis');
    }
    return list as number[];
  }

  /** Refuses channels_first: the editor and its TF.js backends only handle channels_last. */
  requireChannelsLast(): void {
    const v = this.raw('dataFormat');
    if (v === undefined || v === null || v === 'channels_last' || v === 'channelsLast') return;
    if (v === 'channels_first' || v === 'channelsFirst') {
      fail(
        `${this.name} uses data format channels_first, which this editor does not support: ` +
          `set dataFormat to channels_last and order the input as [batch, height, width, channels]`,
      );
    }
    this.bad('dataFormat', 'Data format', 'channels_last');
  }
}
