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

/** Name of the layer a Keras inbound reference points at; refuses what the editor cannot draw. */
function inboundName(ref: JsonValue, layerName: string): string {
  if (Array.isArray(ref) && typeof ref[0] === 'string') {
    if ((ref[1] ?? 0) !== 0 || (ref[2] ?? 0) !== 0) {
      throw new ModelFormatError(
        `layer "${layerName}" uses a shared layer or a multi-output layer (${JSON.stringify(ref.slice(0, 3))}), which the editor cannot edit yet`,
      );
    }
    return ref[0];
  }
  throw new ModelFormatError(`layer "${layerName}" has an inbound node of unknown form`);
}

function readLayer(raw: JsonValue, index: number): LayerNode & { inboundNodeCount: number } {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    throw new ModelFormatError(`layer #${index + 1} has no class_name/config`);
  }
  const { name: cfgName, trainable, ...rest } = raw.config;
  const name = typeof raw.name === 'string' ? raw.name : typeof cfgName === 'string' ? cfgName : '';
  if (!name) throw new ModelFormatError(`layer #${index + 1} (${raw.class_name}) has no name`);
  const inboundNodes = Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : [];
  if (inboundNodes.length > 1) {
    throw new ModelFormatError(
      `layer "${name}" is called ${inboundNodes.length} times (a shared layer), which the editor cannot edit yet`,
    );
  }
  const first = inboundNodes[0];
  const inbound = Array.isArray(first) ? first.map((ref) => inboundName(ref, name)) : [];
  return {
    name,
    className: raw.class_name,
    config: configToCamel(rest),
    inbound,
    trainable: trainable !== false,
    weightsKey: name,
    inboundNodeCount: inboundNodes.length,
  };
}

function endpointNames(list: JsonValue | undefined): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((ref) => (Array.isArray(ref) && typeof ref[0] === 'string' ? ref[0] : '')).filter(Boolean);
}

/** Reads a Keras model topology (functional or Sequential) into a ModelGraph. */
export function graphFromKeras(topology: unknown, fallbackName = 'model'): ModelGraph {
  const { className, config, extras, wrapped } = findModelConfig(topology);
  if (className === 'Sequential')
    return { ...graphFromSequential(config, extras, fallbackName), kerasWrapped: wrapped };
  if (className !== 'Model' && className !== 'Functional') {
    throw new ModelFormatError(`the model class "${className}" is not a Keras Model or Sequential`);
  }
  if (!Array.isArray(config.layers)) throw new ModelFormatError('the model config has no layers list');
  const layers = config.layers.map((raw, i) => readLayer(raw, i));
  const seen = new Set<string>();
  for (const l of layers) {
    if (seen.has(l.name))
      throw new ModelFormatError(`two layers are named "${l.name}": layer names must be unique`);
    seen.add(l.name);
  }
  const nested = layers.find(
    (l) => l.className === 'Model' || l.className === 'Functional' || l.className === 'Sequential',
  );
  if (nested) {
    throw new ModelFormatError(
      `layer "${nested.name}" is a nested model, which the editor cannot expand yet`,
    );
  }
  const stripped: LayerNode[] = layers.map(({ inboundNodeCount: _unused, ...l }) => l);
  return {
    name: typeof config.name === 'string' ? config.name : fallbackName,
    layers: stripped,
    inputs: endpointNames(config.input_layers),
    outputs: endpointNames(config.output_layers),
    kerasExtras: extras,
    kerasClassName: className,
    kerasWrapped: wrapped,
  };
}

/** Sequential models become a chain; an InputLayer is synthesised from batch_input_shape. */
function graphFromSequential(config: JsonObject, extras: JsonObject, fallbackName: string): ModelGraph {
  const rawLayers = Array.isArray(config) ? config : Array.isArray(config.layers) ? config.layers : null;
  if (!rawLayers) throw new ModelFormatError('the Sequential model has no layers list');
  const layers: LayerNode[] = [];
  let prev: string | null = null;
  rawLayers.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
      throw new ModelFormatError(`layer #${i + 1} has no class_name/config`);
    }
    const { name: n, trainable, batch_input_shape, ...rest } = raw.config;
    const name = typeof n === 'string' ? n : `layer_${i + 1}`;
    if (raw.class_name === 'InputLayer') {
      layers.push({
        name,
        className: 'InputLayer',
        config: configToCamel({ batch_input_shape: batch_input_shape ?? null, ...rest }),
        inbound: [],
        trainable: true,
        weightsKey: name,
      });
      prev = name;
      return;
    }
    if (prev === null) {
      if (!Array.isArray(batch_input_shape)) {
        throw new ModelFormatError(
          `the first layer "${name}" of the Sequential model has no batch_input_shape`,
        );
      }
      const inputName = `${name}_input`;
      layers.push({
        name: inputName,
        className: 'InputLayer',
        config: { batchInputShape: batch_input_shape, dtype: 'float32', sparse: false },
        inbound: [],
        trainable: true,
      });
      prev = inputName;
    }
    layers.push({
      name,
      className: raw.class_name,
      config: configToCamel(rest),
      inbound: [prev],
      trainable: trainable !== false,
      weightsKey: name,
    });
    prev = name;
  });
  const last = layers[layers.length - 1];
  return {
    name: typeof config.name === 'string' ? config.name : fallbackName,
    layers,
    inputs: layers.length ? [layers[0].name] : [],
    outputs: last ? [last.name] : [],
    kerasExtras: extras,
    kerasClassName: 'Model',
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
