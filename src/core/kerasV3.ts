import { ModelFormatError } from './keras';
import type { JsonValue, ModelGraph, WeightSpec } from './types';

/**
 * The Keras 3 side of the Keras-JSON boundary. Keras 3 (`.keras` config.json) wraps every object
 * as `{module, class_name, config, registered_name}`, gives each layer a DTypePolicy and writes
 * call arguments as `inbound_nodes: [{args, kwargs}]` with `keras_history` references
 * (keras/src/saving/serialization_lib.py, keras/src/models/functional.py). TF.js and
 * graphFromKeras read the Keras 2 form (`class_name`/`config`, `[[name, 0, 0, {}]]` inbound
 * nodes); this file maps between the two, losslessly for the configs the editor writes.
 */

type JsonObject = { [key: string]: JsonValue };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Keras version written into exported files (config and metadata.json). */
export const KERAS3_VERSION = '3.8.0';

/** keras.src.utils.naming.to_snake_case: "ReLU" → "re_lu", "DepthwiseConv2D" → "depthwise_conv2d". */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Layer names in the order Keras rebuilds a functional model (keras/src/ops/function.py
 * map_graph): depth-first from the outputs gives each layer a traversal index, layers are sorted
 * by depth from the outputs (deepest first) and then by that index. Keras 3 keys
 * model.weights.h5 by this order, and legacy .h5 loading matches layers by it.
 */
export function kerasLayerOrder(graph: ModelGraph): string[] {
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const index = new Map<string, number>();
  const finished = new Set<string>();
  const postOrder: string[] = [];
  const visit = (name: string, stack: Set<string>) => {
    if (finished.has(name)) return;
    if (stack.has(name)) throw new ModelFormatError(`layer "${name}" is part of a cycle`);
    if (!index.has(name)) index.set(name, index.size);
    const layer = byName.get(name);
    if (!layer) throw new ModelFormatError(`the model refers to a missing layer "${name}"`);
    stack.add(name);
    if (!graph.inputs.includes(name)) for (const n of layer.inbound) visit(n, stack);
    stack.delete(name);
    finished.add(name);
    postOrder.push(name);
  };
  for (const out of graph.outputs) visit(out, new Set());
  const depth = new Map<string, number>();
  for (const name of [...postOrder].reverse()) {
    const d = depth.get(name) ?? 0;
    depth.set(name, d);
    for (const parent of byName.get(name)?.inbound ?? []) {
      depth.set(parent, Math.max(d + 1, depth.get(parent) ?? 0));
    }
  }
  for (const input of graph.inputs) {
    if (!depth.has(input)) {
      depth.set(input, 0);
      index.set(input, -1);
    }
  }
  return [...depth.keys()].sort((a, b) => depth.get(b)! - depth.get(a)! || index.get(a)! - index.get(b)!);
}

const NESTED_MODULES: [RegExp, string][] = [
  [/_initializer$/, 'keras.initializers'],
  [/_regularizer$/, 'keras.regularizers'],
  [/_constraint$/, 'keras.constraints'],
];

/** A Keras 2 `{class_name, config}` sub-object in Keras 3 form (module + registered_name). */
function nestedToV3(key: string, value: JsonValue): JsonValue {
  if (!isObject(value) || typeof value.class_name !== 'string') return value;
  const module = NESTED_MODULES.find(([re]) => re.test(key))?.[1];
  if (!module) return value;
  return { module, class_name: value.class_name, config: value.config ?? {}, registered_name: null };
}

/** Strips Keras 3 wrapping from sub-objects: `{module, class_name, config, registered_name}` → `{class_name, config}`. */
function nestedToV2(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(nestedToV2);
  if (!isObject(value)) return value;
  if (typeof value.class_name === 'string' && 'config' in value) {
    return { class_name: value.class_name, config: nestedToV2(value.config) };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nestedToV2(v)]));
}

const dtypePolicy = (name: string): JsonObject => ({
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name },
  registered_name: null,
});

/** The Keras 2 layer list entry (as graphToKeras writes it) rewritten for Keras 3. */
function layerToV3(raw: JsonObject, shapes: ReadonlyMap<string, (number | null)[]>): JsonObject {
  const className = String(raw.class_name);
  const name = String(raw.name);
  const { name: _n, trainable, ...rest } = raw.config as JsonObject;
  if (className === 'InputLayer') {
    const { batch_input_shape, dtype, sparse, ...other } = rest;
    return {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: {
        batch_shape: batch_input_shape ?? null,
        dtype: typeof dtype === 'string' ? dtype : 'float32',
        sparse: sparse === true,
        ...other,
        name,
      },
      registered_name: null,
      name,
      inbound_nodes: [],
    };
  }
  const config: JsonObject = { name, trainable: trainable !== false, dtype: dtypePolicy('float32') };
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'dtype') continue;
    config[k] = nestedToV3(k, v);
  }
  const inbound = (Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : []) as JsonValue[][];
  const refs = (inbound[0] ?? []).map((ref) => String((ref as JsonValue[])[0]));
  const tensor = (ref: string): JsonObject => ({
    class_name: '__keras_tensor__',
    config: { shape: shapes.get(ref) ?? null, dtype: 'float32', keras_history: [ref, 0, 0] },
  });
  const args: JsonValue[] = refs.length > 1 ? [refs.map(tensor)] : refs.map(tensor);
  const firstShape =
    refs.length === 1 ? (shapes.get(refs[0]) ?? null) : refs.map((r) => shapes.get(r) ?? null);
  return {
    module: 'keras.layers',
    class_name: className,
    config,
    registered_name: null,
    build_config: { input_shape: firstShape },
    name,
    inbound_nodes: refs.length ? [{ args, kwargs: {} }] : [],
  };
}

/**
 * A Keras 2 functional topology (what graphToKeras writes, layers in `order`) as a Keras 3
 * `config.json` object that `keras.models.load_model` rebuilds with no custom objects.
 * `shapes` gives each layer's output shape (for the `__keras_tensor__` references).
 */
export function keras2ToKeras3(
  topology: JsonObject,
  order: readonly string[],
  shapes: ReadonlyMap<string, (number | null)[]>,
): JsonObject {
  const modelConfig = (isObject(topology.model_config) ? topology.model_config : topology) as JsonObject;
  const config = modelConfig.config as JsonObject;
  const layers = (config.layers as JsonObject[]).slice();
  const rank = new Map(order.map((n, i) => [n, i]));
  layers.sort((a, b) => (rank.get(String(a.name)) ?? 0) - (rank.get(String(b.name)) ?? 0));
  const ends = (list: JsonValue) => {
    const refs = (list as JsonValue[][]).map((r) => [r[0], 0, 0]);
    // Keras 3 writes a single input/output as one reference, not a list of one.
    return refs.length === 1 ? refs[0] : refs;
  };
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: {
      name: config.name ?? 'model',
      trainable: true,
      layers: layers.map((l) => layerToV3(l, shapes)),
      input_layers: ends(config.input_layers),
      output_layers: ends(config.output_layers),
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  };
}

/** A Keras 3 inbound node's argument list, flattened to the layer names it references. */
function historyRefs(value: JsonValue, layerName: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => historyRefs(v, layerName));
  if (!isObject(value)) return [];
  if (value.class_name === '__keras_tensor__' && isObject(value.config)) {
    const h = value.config.keras_history;
    if (!Array.isArray(h) || typeof h[0] !== 'string')
      throw new ModelFormatError(`layer "${layerName}" has an input tensor without keras_history`);
    if ((h[1] ?? 0) !== 0 || (h[2] ?? 0) !== 0) {
      throw new ModelFormatError(
        `layer "${layerName}" uses a shared or multi-output layer ("${h[0]}", node ${String(h[1])}, tensor ${String(h[2])}), which the editor cannot edit yet`,
      );
    }
    return [h[0]];
  }
  return [];
}

/** One Keras 3 layer entry in Keras 2 form. */
function layerToV2(raw: JsonValue, i: number): JsonObject {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    throw new ModelFormatError(`layer #${i + 1} of config.json has no class_name/config`);
  }
  const className = raw.class_name;
  const cfg = raw.config;
  const name = typeof raw.name === 'string' ? raw.name : typeof cfg.name === 'string' ? cfg.name : '';
  if (
    isObject(cfg.layers) ||
    Array.isArray(cfg.layers) ||
    className === 'Functional' ||
    className === 'Sequential'
  ) {
    throw new ModelFormatError(`layer "${name}" is a nested model, which the editor cannot expand yet`);
  }
  const config: JsonObject = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (k === 'dtype' && className !== 'InputLayer') {
      const policy = isObject(v) && isObject(v.config) ? v.config.name : v;
      if (policy !== 'float32' && policy !== null && policy !== undefined) {
        throw new ModelFormatError(
          `layer "${name}" (${className}) computes in dtype "${String(policy)}": only float32 models can be trained here. Save the model with the float32 policy in Keras first`,
        );
      }
      continue;
    }
    config[k] = nestedToV2(v);
  }
  if (className === 'InputLayer') {
    const { batch_shape, batch_input_shape, optional: _o, ragged: _r, ...rest } = config;
    const dtype = rest.dtype;
    const policy = isObject(dtype) && isObject(dtype.config) ? dtype.config.name : dtype;
    return {
      name,
      class_name: className,
      config: {
        ...rest,
        batch_input_shape: batch_shape ?? batch_input_shape ?? null,
        dtype: policy ?? 'float32',
        name,
      },
      inbound_nodes: [],
    };
  }
  const nodes = Array.isArray(raw.inbound_nodes) ? raw.inbound_nodes : [];
  if (nodes.length > 1) {
    throw new ModelFormatError(
      `layer "${name}" is called ${nodes.length} times (a shared layer), which the editor cannot edit yet`,
    );
  }
  const inbound_nodes: JsonValue[] = nodes.map((node) => {
    // Keras 2 files opened by Keras 3 tools may keep the old list form.
    if (Array.isArray(node)) return node;
    if (!isObject(node)) throw new ModelFormatError(`layer "${name}" has an inbound node of unknown form`);
    return historyRefs(node.args ?? [], name).map((ref) => [ref, 0, 0, {}]);
  });
  return { name, class_name: className, config: { ...config, name }, inbound_nodes };
}

/** Keras 3 `input_layers`/`output_layers` (one reference or a list of them) in Keras 2 list form. */
function endsToV2(value: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(value)) return [];
  if (typeof value[0] === 'string') return [[value[0], 0, 0]];
  return value.map((r) => (Array.isArray(r) ? [r[0], 0, 0] : r));
}

/**
 * A Keras 3 `config.json` model (Functional or Sequential) as the Keras 2 topology TF.js and
 * graphFromKeras read. Throws ModelFormatError naming what cannot be mapped.
 */
export function keras3ToKeras2(json: unknown): JsonObject {
  if (!isObject(json) || typeof json.class_name !== 'string' || !isObject(json.config)) {
    throw new ModelFormatError('config.json has no class_name/config: it is not a Keras model');
  }
  const cfg = json.config;
  if (!Array.isArray(cfg.layers)) throw new ModelFormatError('config.json has no layers list');
  const name = typeof cfg.name === 'string' ? cfg.name : 'model';
  if (json.class_name === 'Sequential') {
    const layers = cfg.layers.map((raw, i) => {
      const l = layerToV2({ ...(raw as JsonObject), inbound_nodes: [] }, i);
      return { class_name: l.class_name, config: l.config };
    });
    return { class_name: 'Sequential', config: { name, layers } };
  }
  if (json.class_name !== 'Functional' && json.class_name !== 'Model') {
    throw new ModelFormatError(
      `config.json holds a "${json.class_name}" (a subclassed model): only Functional and Sequential models can be opened. Rebuild it with the functional API and save again`,
    );
  }
  return {
    class_name: 'Functional',
    config: {
      name,
      layers: cfg.layers.map(layerToV2),
      input_layers: endsToV2(cfg.input_layers),
      output_layers: endsToV2(cfg.output_layers),
    },
  };
}

/** Weight specs in Keras order: the variables created trainable first, then the others (BN moving stats). */
export function kerasWeightOrder(specs: readonly WeightSpec[]): WeightSpec[] {
  return [...specs.filter((w) => w.trainable), ...specs.filter((w) => !w.trainable)];
}

/**
 * The `layers/<key>` group of each layer in model.weights.h5, given the layers' class names in
 * Keras order: the snake_case class name, numbered from the second of a class on ("dense",
 * "dense_1", ...), as saving_lib._save_container_state names them.
 */
export function kerasVarsKeys(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((className) => {
    const key = kerasSnakeCase(className);
    const n = used.get(key);
    used.set(key, n === undefined ? 0 : n + 1);
    return n === undefined ? key : `${key}_${n + 1}`;
  });
}
