import type { JsonValue, LayerConfig, LayerNode, ModelGraph } from './types';

/**
 * Keras-JSON boundary: the only place where snake_case configs exist. Reads the `modelTopology`
 * of a TF.js layers model (Keras 2 functional or Sequential) into a ModelGraph and writes it back.
 */

type JsonObject = { [key: string]: JsonValue };

/** A problem found while reading a model file, worded for the user. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** snake_case → camelCase, as tfjs-layers does for Python configs. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** camelCase → snake_case. */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function convertKeys(value: JsonValue, convert: (k: string) => string): JsonValue {
  if (Array.isArray(value)) return value.map((v) => convertKeys(v, convert));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[convert(k)] = convertKeys(v, convert);
    return out;
  }
  return value;
}

/** Deep-converts a Keras config to camelCase keys. */
export function configToCamel(config: JsonObject): LayerConfig {
  return convertKeys(config, snakeToCamel) as LayerConfig;
}

/** Deep-converts a camelCase config back to Keras snake_case keys. */
export function configToSnake(config: LayerConfig): JsonObject {
  return convertKeys(config, camelToSnake) as JsonObject;
}

/** Unwraps `{modelTopology: ...}`, `{model_config: ...}` and `{class_name, config}` to the model config. */
function findModelConfig(topology: unknown): {
  className: string;
  config: JsonObject;
  extras: JsonObject;
  wrapped: boolean;
} {
  if (!isObject(topology)) throw new ModelFormatError('the model topology is not a JSON object');
  if ('node' in topology && Array.isArray(topology.node)) {
    throw new ModelFormatError(
      'this is a TF.js graph model (a frozen TensorFlow graph): only layers models can be edited and fine-tuned. Convert the Keras model with tensorflowjs_converter --output_format=tfjs_layers_model',
    );
  }
  let extras: JsonObject;
  let modelConfig: unknown = topology;
  const wrapped = 'model_config' in topology;
  if (wrapped) {
    const { model_config, ...rest } = topology;
    extras = rest;
    modelConfig = model_config;
  } else {
    const { class_name: _c, config: _cfg, ...rest } = topology;
    extras = rest;
  }
  if (!isObject(modelConfig) || typeof modelConfig.class_name !== 'string' || !isObject(modelConfig.config)) {
    throw new ModelFormatError('the model topology has no class_name/config: it is not a Keras model');
  }
  return { className: modelConfig.class_name, config: modelConfig.config, extras, wrapped };
}

/** A Keras inbound reference: the layer it points at and its node index. */
function inboundRef(ref: JsonValue, layerName: string): { name: string; node: number; tensor: number } {
  if (Array.isArray(ref) && typeof ref[0] === 'string') {
    const node = typeof ref[1] === 'number' ? ref[1] : 0;
    const tensor = typeof ref[2] === 'number' ? ref[2] : 0;
    return { name: ref[0], node, tensor };
  }
  throw new ModelFormatError(`layer "${layerName}" has an inbound node of unknown form`);
}

const MODEL_CLASSES = ['Model', 'Functional', 'Sequential'];
const isModelClass = (className: string) => MODEL_CLASSES.includes(className);

/** A (sub)model read into flat layers: its own inputs and outputs in flattened names. */
interface FlatModel {
  layers: LayerNode[];
  inputs: string[];
  outputs: string[];
}

/**
 * Shared state of one flattening: the names already used (a nested layer whose name is taken
 * gets its model's name as a prefix; its weights keep the original name).
 */
interface FlattenContext {
  taken: Set<string>;
}

function claimName(ctx: FlattenContext, name: string, group: string | undefined): string {
  let unique = name;
  for (let n = 1; ctx.taken.has(unique); n++) unique = `${group ?? 'model'}_${name}${n > 1 ? `_${n}` : ''}`;
  ctx.taken.add(unique);
  return unique;
}

function modelName(config: JsonValue, fallback: string): string {
  return isObject(config) && typeof config.name === 'string' ? config.name : fallback;
}

/**
 * Reads a functional model. `upstream` (for a nested model) are the flattened layers feeding its
 * inputs: its InputLayers are dropped and references to them lead there instead.
 */
function readFunctional(
  config: JsonObject,
  group: string | undefined,
  upstream: string[] | null,
  frozen: boolean,
  ctx: FlattenContext,
): FlatModel {
  if (!Array.isArray(config.layers)) {
    throw new ModelFormatError(
      group
        ? `layer "${group}" is a nested model with no layers list`
        : 'the model config has no layers list',
    );
  }
  const rawLayers = config.layers;
  const nestedNames = new Set(
    rawLayers
      .filter((raw) => isObject(raw) && typeof raw.class_name === 'string' && isModelClass(raw.class_name))
      .map((raw) => modelName((raw as JsonObject).config, String((raw as JsonObject).name ?? ''))),
  );
  const seen = new Set<string>();
  const alias = new Map<string, string[]>();
  const resolve = (name: string) => alias.get(name) ?? [name];
  const inputNames = endpointNames(config.input_layers);
  const layers: LayerNode[] = [];
  rawLayers.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
      throw new ModelFormatError(`layer #${i + 1} has no class_name/config`);
    }
    const name = typeof raw.name === 'string' ? raw.name : modelName(raw.config, '');
    if (!name) throw new ModelFormatError(`layer #${i + 1} (${raw.class_name}) has no name`);
    if (seen.has(name))
      throw new ModelFormatError(`two layers are named "${name}": layer names must be unique`);
    seen.add(name);
    const inboundNodes = Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : [];
    if (inboundNodes.length > 1) {
      throw new ModelFormatError(
        `layer "${name}" is called ${inboundNodes.length} times (a shared layer), which the editor cannot edit yet`,
      );
    }
    const first = inboundNodes[0];
    const refs = Array.isArray(first) ? first.map((ref) => inboundRef(ref, name)) : [];
    for (const ref of refs) {
      // A nested model's first call is node 1 (node 0 is the model itself); anything else is a
      // shared layer or a multi-output layer.
      if ((ref.node !== 0 && !nestedNames.has(ref.name)) || ref.tensor !== 0) {
        throw new ModelFormatError(
          `layer "${name}" uses a shared layer or a multi-output layer (${JSON.stringify([ref.name, ref.node, ref.tensor])}), which the editor cannot edit yet`,
        );
      }
    }
    const inbound = refs.flatMap((ref) => resolve(ref.name));
    if (raw.class_name === 'InputLayer' && upstream) {
      const at = inputNames.indexOf(name);
      if (at < 0 || !upstream[at]) {
        throw new ModelFormatError(`the nested model "${group}" has an input "${name}" that nothing feeds`);
      }
      alias.set(name, [upstream[at]]);
      return;
    }
    if (isModelClass(raw.class_name)) {
      const sub = readModel(raw.class_name, raw.config, name, inbound.length ? inbound : null, frozen, ctx);
      layers.push(...sub.layers);
      alias.set(name, sub.outputs);
      return;
    }
    const layer = readLayer(raw as JsonObject & { config: JsonObject }, i);
    const unique = claimName(ctx, name, group);
    if (unique !== name) alias.set(name, [unique]);
    layers.push({
      ...layer,
      name: unique,
      inbound,
      trainable: layer.trainable && !frozen,
      ...(group ? { group } : {}),
    });
  });
  return {
    layers,
    inputs: upstream ? [] : inputNames.flatMap(resolve),
    outputs: endpointNames(config.output_layers).flatMap(resolve),
  };
}

/** Sequential models become a chain; an InputLayer is synthesised from batch_input_shape. */
function readSequential(
  config: JsonValue,
  group: string | undefined,
  upstream: string[] | null,
  frozen: boolean,
  ctx: FlattenContext,
): FlatModel {
  const rawLayers = Array.isArray(config)
    ? config
    : isObject(config) && Array.isArray(config.layers)
      ? config.layers
      : null;
  if (!rawLayers) {
    throw new ModelFormatError(
      group
        ? `layer "${group}" is a nested Sequential model with no layers list`
        : 'the Sequential model has no layers list',
    );
  }
  const layers: LayerNode[] = [];
  let inputs: string[] = [];
  let prev: string[] | null = upstream;
  rawLayers.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
      throw new ModelFormatError(`layer #${i + 1} has no class_name/config`);
    }
    const { name: n, trainable, batch_input_shape, ...rest } = raw.config;
    const name = typeof n === 'string' ? n : `layer_${i + 1}`;
    if (isModelClass(raw.class_name)) {
      const sub = readModel(raw.class_name, raw.config, name, prev, frozen || trainable === false, ctx);
      if (prev === null) inputs = sub.inputs;
      layers.push(...sub.layers);
      prev = sub.outputs;
      return;
    }
    if (raw.class_name === 'InputLayer') {
      if (prev !== null) return;
      const unique = claimName(ctx, name, group);
      layers.push({
        name: unique,
        className: 'InputLayer',
        config: configToCamel({ batch_input_shape: batch_input_shape ?? null, ...rest }),
        inbound: [],
        trainable: true,
        weightsKey: name,
        ...(group ? { group } : {}),
      });
      prev = inputs = [unique];
      return;
    }
    if (prev === null) {
      if (!Array.isArray(batch_input_shape)) {
        throw new ModelFormatError(
          `the first layer "${name}" of the Sequential model has no batch_input_shape`,
        );
      }
      const inputName = claimName(ctx, `${name}_input`, group);
      layers.push({
        name: inputName,
        className: 'InputLayer',
        config: { batchInputShape: batch_input_shape, dtype: 'float32', sparse: false },
        inbound: [],
        trainable: true,
        ...(group ? { group } : {}),
      });
      prev = inputs = [inputName];
    }
    const unique = claimName(ctx, name, group);
    layers.push({
      name: unique,
      className: raw.class_name,
      config: configToCamel(rest),
      inbound: prev,
      trainable: trainable !== false && !frozen,
      weightsKey: name,
      ...(group ? { group } : {}),
    });
    prev = [unique];
  });
  return { layers, inputs, outputs: prev ?? [] };
}

function readModel(
  className: string,
  config: JsonValue,
  group: string | undefined,
  upstream: string[] | null,
  frozen: boolean,
  ctx: FlattenContext,
): FlatModel {
  const nestedFrozen = frozen || (isObject(config) && config.trainable === false);
  // A nested model is a group named after it; its own layers belong to it.
  const name = group === undefined ? undefined : modelName(config, group);
  if (className === 'Sequential') return readSequential(config, name, upstream, nestedFrozen, ctx);
  if (!isObject(config)) throw new ModelFormatError(`the nested model "${group}" has no config`);
  return readFunctional(config, name, upstream, nestedFrozen, ctx);
}

function readLayer(raw: JsonObject & { config: JsonObject }, index: number): LayerNode {
  const { name: cfgName, trainable, ...rest } = raw.config;
  const name = typeof raw.name === 'string' ? raw.name : typeof cfgName === 'string' ? cfgName : '';
  if (!name) throw new ModelFormatError(`layer #${index + 1} (${String(raw.class_name)}) has no name`);
  return {
    name,
    className: String(raw.class_name),
    config: configToCamel(rest),
    inbound: [],
    trainable: trainable !== false,
    weightsKey: name,
  };
}

function endpointNames(list: JsonValue | undefined): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((ref) => (Array.isArray(ref) && typeof ref[0] === 'string' ? ref[0] : '')).filter(Boolean);
}

/**
 * Reads a Keras model topology (functional or Sequential) into a ModelGraph. Nested models
 * (a Teachable Machine export nests a functional base inside Sequentials) are flattened: their
 * layers join the graph, each marked with the `group` of the model that held it.
 */
export function graphFromKeras(topology: unknown, fallbackName = 'model'): ModelGraph {
  const { className, config, extras, wrapped } = findModelConfig(topology);
  if (!isModelClass(className)) {
    throw new ModelFormatError(`the model class "${className}" is not a Keras Model or Sequential`);
  }
  const flat = readModel(className, config, undefined, null, false, { taken: new Set() });
  return {
    name: typeof config.name === 'string' ? config.name : fallbackName,
    layers: flat.layers,
    inputs: flat.inputs,
    outputs: flat.outputs,
    kerasExtras: extras,
    // A Sequential is written back as the functional model it is equivalent to.
    kerasClassName: className === 'Sequential' ? 'Model' : className,
    kerasWrapped: wrapped,
  };
}

/** Writes a ModelGraph as a Keras functional model topology (the form TF.js model.json holds). */
export function graphToKeras(graph: ModelGraph): JsonObject {
  const layers: JsonValue[] = graph.layers.map((l) => {
    const config: JsonObject = { name: l.name };
    if (l.className !== 'InputLayer') config.trainable = l.trainable;
    Object.assign(config, configToSnake(l.config));
    return {
      name: l.name,
      class_name: l.className,
      config,
      inbound_nodes: l.inbound.length ? [l.inbound.map((n) => [n, 0, 0, {}])] : [],
    };
  });
  const modelConfig: JsonObject = {
    class_name: graph.kerasClassName ?? 'Model',
    config: {
      name: graph.name,
      layers,
      input_layers: graph.inputs.map((n) => [n, 0, 0]),
      output_layers: graph.outputs.map((n) => [n, 0, 0]),
    },
  };
  const extras = graph.kerasExtras ?? {};
  return graph.kerasWrapped === false
    ? { ...modelConfig, ...extras }
    : { ...extras, model_config: modelConfig };
}
