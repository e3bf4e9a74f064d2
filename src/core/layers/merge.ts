/** Merge layers: Add, Multiply, Average (element-wise) and Concatenate. No weights. */
import type { Shape } from '../types';
import type { LayerSpec } from './spec';
import { AXIS } from './fields';
import { defineLayer } from './define';
import { dimAt, fail, formatShape, resolveAxis } from './helpers';

/**
 * Batch size of a merge's output, as tfjs-layers computes it: the common batch size when all
 * inputs agree, unknown otherwise.
 */
function mergedBatch(inputs: readonly Shape[]): number | null {
  const sizes = new Set(inputs.map((s) => dimAt(s, 0)));
  return sizes.size === 1 ? (sizes.values().next().value ?? null) : null;
}

/**
 * Broadcasts two shapes without their batch dimension, aligned at the end, like tfjs-layers'
 * `computeElementwiseOpOutputShape`: size 1 stretches, unknown stays unknown, others must match.
 * Returns null when they cannot be combined.
 */
function broadcast(a: Shape, b: Shape): Shape | null {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  const out: Shape = long.slice(0, long.length - short.length);
  for (let k = 0; k < short.length; k++) {
    const i = dimAt(long, long.length - short.length + k);
    const j = dimAt(short, k);
    if (i === null || j === null) out.push(null);
    else if (i === 1) out.push(j);
    else if (j === 1 || i === j) out.push(i);
    else return null;
  }
  return out;
}

/** An element-wise merge of two or more inputs. */
function elementwise(className: string, inPalette: boolean): LayerSpec {
  return defineLayer({
    className,
    category: 'merge',
    inPalette,
    minInputs: 2,
    maxInputs: Infinity,
    defaults: () => ({}),
    fields: [],
    infer(c, inputs) {
      let out = (inputs[0] ?? []).slice(1);
      for (const shape of inputs.slice(1)) {
        const next = broadcast(out, shape.slice(1));
        if (next === null) {
          const shapes = inputs.map(formatShape).join(' and ');
          fail(
            `${c.name} gets inputs of different shapes ${shapes}: ${className} needs equal shapes ` +
              `(or sizes of 1 that can stretch); change the layers before ${c.name} so their outputs match`,
          );
        }
        out = next;
      }
      return [mergedBatch(inputs), ...out];
    },
  });
}

const concatenate = defineLayer({
  className: 'Concatenate',
  category: 'merge',
  inPalette: true,
  minInputs: 2,
  maxInputs: Infinity,
  defaults: () => ({ axis: -1 }),
  fields: [AXIS],
  infer(c, inputs) {
    const first = inputs[0] ?? [];
    const shapes = inputs.map(formatShape).join(', ');
    if (inputs.some((s) => s.length !== first.length)) {
      fail(
        `${c.name} gets inputs with different numbers of axes ${shapes}: Concatenate needs inputs of ` +
          `the same rank; add Flatten or Reshape before ${c.name} to match them`,
      );
    }
    const axesValue = c.axes('axis', 'Axis', -1);
    if (axesValue.length !== 1) fail(`${c.name} has several axes: set Axis to a single axis, e.g. -1`);
    const axis = resolveAxis(axesValue[0] ?? -1, first, c.name);
    const out: Shape = [mergedBatch(inputs), ...first.slice(1)];
    for (let d = 1; d < first.length; d++) {
      const sizes = inputs.map((s) => dimAt(s, d));
      if (d === axis) {
        out[d] = sizes.some((s) => s === null) ? null : sizes.reduce<number>((n, s) => n + (s ?? 0), 0);
        continue;
      }
      const known = sizes.filter((s): s is number => s !== null);
      if (new Set(known).size > 1) {
        fail(
          `${c.name} gets inputs ${shapes} that differ on axis ${d}: Concatenate joins them along axis ` +
            `${axis} only, so all other sizes must be equal; change the layers before ${c.name} or set Axis`,
        );
      }
      // An unknown size is taken to match the known ones, as at run time it must.
      out[d] = known[0] ?? null;
    }
    return out;
  },
});

/** Add, Multiply, Average and Concatenate. */
export const MERGE_SPECS: readonly LayerSpec[] = [
  elementwise('Add', true),
  elementwise('Multiply', true),
  elementwise('Average', false),
  concatenate,
];
