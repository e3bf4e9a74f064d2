/** Reshaping layers: Flatten, Reshape, ZeroPadding2D. No weights. */
import type { JsonValue } from '../types';
import type { LayerSpec } from './spec';
import { type ConfigReader } from './config';
import { defineLayer } from './define';
import { dimAt, fail, formatShape, formatValue, onlyInput, rankLabel, requireImage } from './helpers';

const flatten = defineLayer({
  className: 'Flatten',
  category: 'reshape',
  inPalette: true,
  defaults: () => ({ dataFormat: 'channels_last' }),
  fields: [],
  infer(c, inputs) {
    const input = onlyInput(inputs);
    // tfjs-layers refuses Flatten below 3-D (its inputSpec has minNDim 3).
    if (input.length < 3) {
      fail(
        `${c.name} gets a ${rankLabel(input)} input ${formatShape(input)} that is already flat: remove ${c.name}`,
      );
    }
    const sizes = input.slice(1);
    if (sizes.some((d) => d === null)) {
      fail(
        `${c.name} gets input ${formatShape(input)} with unknown sizes, so Flatten cannot tell how many values ` +
          `come out: give the model input a fixed size or use GlobalAveragePooling2D instead`,
      );
    }
    return [dimAt(input, 0), sizes.reduce<number>((n, d) => n * (d ?? 1), 1)];
  },
});

/** Reshape's target sizes; -1 (or null, as tfjs-layers writes it) marks the one inferred size. */
function readTargetShape(c: ConfigReader): (number | null)[] {
  const raw = c.raw('targetShape');
  if (raw === undefined || raw === null) fail(`${c.name} has no target shape: set Target shape, e.g. [-1]`);
  const valid =
    Array.isArray(raw) &&
    raw.length > 0 &&
    raw.every((d) => d === null || (typeof d === 'number' && Number.isInteger(d) && (d >= 1 || d === -1)));
  if (!valid) {
    fail(
      `${c.name} has target shape ${formatValue(raw)}: set Target shape to whole numbers of at least 1, ` +
        `with at most one -1 for the size to infer`,
    );
  }
  const target = (raw as JsonValue[]).map((d) => (d === -1 || d === null ? null : (d as number)));
  if (target.filter((d) => d === null).length > 1) {
    fail(`${c.name} has target shape ${formatValue(raw)} with more than one -1: keep at most one -1`);
  }
  return target;
}

const reshape = defineLayer({
  className: 'Reshape',
  category: 'reshape',
  inPalette: true,
  defaults: () => ({ targetShape: [-1] }),
  fields: [{ key: 'targetShape', label: 'Target shape', kind: 'intList', min: -1 }],
  infer(c, inputs) {
    const target = readTargetShape(c);
    const input = onlyInput(inputs);
    const sizes = input.slice(1);
    // With an unknown input size nothing can be checked or inferred until run time.
    if (sizes.some((d) => d === null)) return [dimAt(input, 0), ...target];
    const total = sizes.reduce<number>((n, d) => n * (d ?? 1), 1);
    const known = target.reduce<number>((n, d) => n * (d ?? 1), 1);
    const shown = formatShape(target.map((d) => d ?? -1));
    if (target.includes(null)) {
      if (total % known !== 0) {
        fail(
          `${c.name} cannot reshape ${formatShape(input)} (${total} values per sample) into ${shown}: ` +
            `${total} is not divisible by ${known}; choose target sizes whose product divides ${total}`,
        );
      }
      return [dimAt(input, 0), ...target.map((d) => d ?? total / known)];
    }
    if (known !== total) {
      fail(
        `${c.name} cannot reshape ${formatShape(input)} (${total} values per sample) into ${shown} ` +
          `(${known} values): set Target shape to sizes whose product is ${total}, or use -1 for one of them`,
      );
    }
    return [dimAt(input, 0), ...target];
  },
});

/**
 * ZeroPadding2D's padding as [[top, bottom], [left, right]]. Keras also takes one number for all
 * four sides, or [rows, cols] for symmetric padding.
 */
function readPadding(c: ConfigReader): [[number, number], [number, number]] {
  const raw = c.raw('padding');
  const isCount = (v: JsonValue | undefined): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const pairOf = (v: JsonValue | undefined): [number, number] | null => {
    if (isCount(v)) return [v, v];
    if (Array.isArray(v) && v.length === 2 && isCount(v[0]) && isCount(v[1])) return [v[0], v[1]];
    return null;
  };
  if (raw === undefined || raw === null)
    return [
      [1, 1],
      [1, 1],
    ];
  if (isCount(raw))
    return [
      [raw, raw],
      [raw, raw],
    ];
  if (Array.isArray(raw) && raw.length === 2) {
    const rows = pairOf(raw[0]);
    const cols = pairOf(raw[1]);
    if (rows && cols) return [rows, cols];
  }
  return fail(
    `${c.name} has padding ${formatValue(raw)}: set it to [[top, bottom], [left, right]] with whole ` +
      `numbers of at least 0, e.g. [[1, 1], [1, 1]]`,
  );
}

const zeroPadding2D = defineLayer({
  className: 'ZeroPadding2D',
  category: 'reshape',
  inPalette: true,
  defaults: () => ({
    padding: [
      [1, 1],
      [1, 1],
    ],
    dataFormat: 'channels_last',
  }),
  // padding is a list of pairs, which no FieldKind can edit yet.
  fields: [],
  infer(c, inputs) {
    const [[top, bottom], [left, right]] = readPadding(c);
    const input = onlyInput(inputs);
    const [batch, height, width, channels] = requireImage(input, c.name, 'ZeroPadding2D');
    return [
      batch,
      height === null ? null : height + top + bottom,
      width === null ? null : width + left + right,
      channels,
    ];
  },
});

/** Flatten, Reshape and ZeroPadding2D. */
export const RESHAPE_SPECS: readonly LayerSpec[] = [flatten, reshape, zeroPadding2D];
