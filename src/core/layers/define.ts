/** `defineLayer`: turns a terse layer definition into a `LayerSpec` with the shared checks. */
import type { LayerConfig, Shape, ShapeResult, WeightSpec } from '../types';
import type { FieldSpec, LayerCategory, LayerSpec } from './spec';
import { ConfigReader } from './config';
import { LayerError, MAX_PARAMS, countParams, fail } from './helpers';

/** A layer described tersely; `infer` and `weights` throw `LayerError` for bad configs. */
export interface LayerDefinition {
  readonly className: string;
  readonly category: LayerCategory;
  readonly inPalette: boolean;
  /** Defaults to 1. */
  readonly minInputs?: number;
  /** Defaults to 1. */
  readonly maxInputs?: number;
  readonly defaults: () => LayerConfig;
  readonly fields: readonly FieldSpec[];
  readonly infer: (c: ConfigReader, inputs: readonly Shape[]) => Shape;
  readonly weights?: (c: ConfigReader, inputs: readonly Shape[]) => WeightSpec[];
  /** Why a too-big layer is big and what to shrink: ["units 2000000000", "use a smaller number of units"]. */
  readonly sizeAdvice?: (c: ConfigReader, inputs: readonly Shape[]) => readonly [string, string];
}

function checkInputCount(def: LayerDefinition, count: number, name: string): void {
  const min = def.minInputs ?? 1;
  const max = def.maxInputs ?? 1;
  if (max === 0 && count > 0) {
    fail(`${name} is an input and takes no inputs, but ${count} layer(s) feed it: remove those connections`);
  }
  if (max === 1 && count === 0) fail(`${name} has no input: connect a layer to ${name}`);
  if (max === 1 && count > 1) {
    fail(
      `${name} gets ${count} inputs but ${def.className} takes 1: keep one connection into ${name}, ` +
        `or merge the inputs first with Add or Concatenate`,
    );
  }
  if (count < min) {
    fail(
      `${name} gets ${count} input${count === 1 ? '' : 's'} but ${def.className} needs at least ${min}: ` +
        `connect ${min - count === 1 ? 'another layer' : 'more layers'} to ${name}`,
    );
  }
  if (count > max)
    fail(`${name} gets ${count} inputs but ${def.className} takes at most ${max}: remove a connection`);
}

/** Builds a `LayerSpec` from a definition: input-count, data-format and size checks included. */
export function defineLayer(def: LayerDefinition): LayerSpec {
  const weightsOf = (c: ConfigReader, inputs: readonly Shape[]): WeightSpec[] =>
    def.weights ? def.weights(c, inputs) : [];
  return {
    className: def.className,
    category: def.category,
    inPalette: def.inPalette,
    minInputs: def.minInputs ?? 1,
    maxInputs: def.maxInputs ?? 1,
    defaults: def.defaults,
    fields: def.fields,
    computeOutputShape(config: LayerConfig, inputShapes: readonly Shape[], layerName: string): ShapeResult {
      try {
        checkInputCount(def, inputShapes.length, layerName);
        const c = new ConfigReader(config, layerName);
        c.requireChannelsLast();
        const shape = def.infer(c, inputShapes);
        const params = countParams(weightsOf(c, inputShapes));
        if (params > MAX_PARAMS) {
          const [detail, advice] = def.sizeAdvice?.(c, inputShapes) ?? ['', 'make the layer smaller'];
          fail(`${layerName} would have ${params} parameters${detail ? ` (${detail})` : ''}: ${advice}`);
        }
        return { ok: true, shape };
      } catch (e) {
        if (e instanceof LayerError) return { ok: false, error: e.message };
        throw e;
      }
    },
    weights(config: LayerConfig, inputShapes: readonly Shape[]): WeightSpec[] {
      // Weights only make sense for a valid layer; an invalid one owns none rather than throwing.
      try {
        return weightsOf(new ConfigReader(config, def.className), inputShapes);
      } catch (e) {
        if (e instanceof LayerError) return [];
        throw e;
      }
    },
  };
}
