import h5wasm, { type Dataset, type Group } from 'h5wasm';
import { strFromU8, unzipSync } from 'fflate';
import { ModelFormatError } from '../core/keras';
import { keras3ToKeras2, kerasVarsKeys } from '../core/kerasV3';
import type { JsonValue } from '../core/types';
import { withH5 } from './hdf5';
import type { RetrainBlock } from './modelFiles';

/**
 * Keras files in (kerasWrite.ts writes them), with h5wasm: the Keras 3
 * `.keras` zip (config.json, metadata.json, model.weights.h5 with `layers/<snake_case class>[_n]/vars/<i>`,
 * keras/src/saving/saving_lib.py) and the legacy `.h5` (root `model_config` attribute and a
 * `model_weights` group with `layer_names`/`weight_names` attributes,
 * keras/src/legacy/saving/legacy_h5_format.py). Runs in the Keras worker and in Node tests.
 */

type JsonObject = { [key: string]: JsonValue };

/** One stored weight: its name in the file (h5 "dense/kernel:0", .keras "0"), shape and values. */
export interface StoredWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A Keras file as read: the Keras 2 topology (null for a weights-only file) and weights per layer. */
export interface RawKerasModel {
  format: 'keras' | 'h5';
  topology: JsonObject | null;
  /** Weights by layer name, in the file's order. */
  layers: { name: string; weights: StoredWeight[] }[];
  retrain?: RetrainBlock;
  kerasVersion?: string;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return [value];
  return [];
}

/** A Keras h5 list attribute, also in the chunked form Keras uses for long lists (`name0`, `name1`, ...). */
function listAttr(g: Group, name: string): string[] | null {
  const attrs = g.attrs;
  if (name in attrs) return stringList(attrs[name].value);
  if (`${name}0` in attrs) {
    const out: string[] = [];
    for (let i = 0; `${name}${i}` in attrs; i++) out.push(...stringList(attrs[`${name}${i}`].value));
    return out;
  }
  return null;
}

function textAttr(g: Group, name: string): string | undefined {
  const v = name in g.attrs ? g.attrs[name].value : undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return undefined;
}

/** A dataset's values as float32; any other dtype is refused with its place in the file. */
function readWeight(ds: Dataset, label: string, where: string): StoredWeight {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  // type 1 = float; anything else (integers, strings, compounds) is not a weight we can train.
  if (meta.type !== 1 || meta.size !== 4) {
    const kind = meta.type === 1 ? `float${meta.size * 8}` : `dtype ${String(ds.dtype)}`;
    throw new ModelFormatError(
      `${label}: the weight "${where}" is stored as ${kind}; only float32 weights can be opened. Convert the model to float32 in Keras (model.save after keras.mixed_precision.set_global_policy("float32")) and open it again.`,
    );
  }
  const value = ds.value;
  if (!(value instanceof Float32Array))
    throw new ModelFormatError(`${label}: the weight "${where}" could not be read.`);
  return { name: where.split('/').pop() ?? where, shape, data: value.slice() };
}

/** Reads a legacy weights group: `layer_names`, then per layer `weight_names` and the datasets they name. */
function readLegacyWeights(g: Group, label: string): RawKerasModel['layers'] {
  const layerNames = listAttr(g, 'layer_names');
  if (!layerNames) {
    throw new ModelFormatError(
      `${label} has no "layer_names" attribute: it is not a Keras model or weights file. Save it with model.save("model.h5") or model.save("model.keras").`,
    );
  }
  return layerNames.map((name) => {
    const lg = g.get(name);
    if (!(lg instanceof h5wasm.Group))
      throw new ModelFormatError(`${label}: the weights of layer "${name}" are missing.`);
    const weights = (listAttr(lg, 'weight_names') ?? []).map((wn) => {
      const ds = lg.get(wn);
      if (!(ds instanceof h5wasm.Dataset))
        throw new ModelFormatError(`${label}: the weight "${name}/${wn}" is missing.`);
      const w = readWeight(ds, label, wn);
      return { ...w, name: wn };
    });
    return { name, weights };
  });
}

/** The layer list of a Keras 2 topology in file order, with class names. */
function topologyLayers(topology: JsonObject): { name: string; className: string }[] {
  const mc = (
    typeof topology.model_config === 'object' && topology.model_config !== null
      ? topology.model_config
      : topology
  ) as JsonObject;
  const cfg = mc.config as JsonObject | JsonValue[];
  const list = (Array.isArray(cfg) ? cfg : (cfg.layers as JsonValue[])) ?? [];
  return list.map((l) => {
    const o = l as JsonObject;
    const c = (o.config ?? {}) as JsonObject;
    return { name: String(o.name ?? c.name ?? ''), className: String(o.class_name) };
  });
}

/** A legacy `model_config` that a Keras 3 tool wrote in its own form is mapped to Keras 2. */
function legacyTopology(json: JsonObject): JsonObject {
  return 'module' in json ? keras3ToKeras2(json) : json;
}

/** Reads a Keras `.h5`: a full model (model_config + model_weights) or a weights-only file. */
export async function readKerasH5(bytes: Uint8Array, label: string): Promise<RawKerasModel> {
  return withH5(bytes, label, (f) => {
    const configText = textAttr(f, 'model_config');
    let topology: JsonObject | null = null;
    if (configText) {
      try {
        topology = legacyTopology(JSON.parse(configText) as JsonObject);
      } catch (e) {
        if (e instanceof ModelFormatError) throw e;
        throw new ModelFormatError(`${label}: its model_config is not valid JSON (${(e as Error).message}).`);
      }
    }
    const weightsGroup = f.get('model_weights');
    const layers = readLegacyWeights(weightsGroup instanceof h5wasm.Group ? weightsGroup : f, label);
    const retrainText = textAttr(f, 'retrain');
    let retrain: RetrainBlock | undefined;
    try {
      retrain = retrainText ? (JSON.parse(retrainText) as RetrainBlock) : undefined;
    } catch {
      retrain = undefined;
    }
    return { format: 'h5', topology, layers, retrain, kerasVersion: textAttr(f, 'keras_version') };
  });
}

/** Reads a Keras 3 `.keras` zip: config.json, metadata.json and model.weights.h5. */
export async function readKerasZip(bytes: Uint8Array, label: string): Promise<RawKerasModel> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => ['config.json', 'metadata.json', 'model.weights.h5'].includes(f.name),
    });
  } catch (e) {
    throw new ModelFormatError(
      `${label} could not be unzipped (${(e as Error).message}): a .keras file is a zip archive.`,
    );
  }
  if (!files['config.json'] || !files['model.weights.h5']) {
    throw new ModelFormatError(
      `${label} has no ${files['config.json'] ? 'model.weights.h5' : 'config.json'}: it is not a Keras 3 model. Save it with model.save("model.keras").`,
    );
  }
  let configJson: unknown;
  let metadata: JsonObject = {};
  try {
    configJson = JSON.parse(strFromU8(files['config.json']));
    if (files['metadata.json']) metadata = JSON.parse(strFromU8(files['metadata.json'])) as JsonObject;
  } catch (e) {
    throw new ModelFormatError(
      `${label}: config.json or metadata.json is not valid JSON (${(e as Error).message}).`,
    );
  }
  const topology = keras3ToKeras2(configJson);
  const order = topologyLayers(topology);
  const layers = await withH5(files['model.weights.h5'], `${label} (model.weights.h5)`, (f) => {
    const root = f.get('layers') ?? f.get('_layer_checkpoint_dependencies');
    const keys = kerasVarsKeys(order.map((l) => l.className));
    return order.map(({ name }, i) => {
      const key = keys[i];
      const vars = root instanceof h5wasm.Group ? root.get(`${key}/vars`) : null;
      if (!(vars instanceof h5wasm.Group)) return { name, weights: [] };
      const weights = vars
        .keys()
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => {
          const ds = vars.get(k);
          if (!(ds instanceof h5wasm.Dataset))
            throw new ModelFormatError(`${label}: layers/${key}/vars/${k} is not a dataset.`);
          return readWeight(ds, label, `layers/${key}/vars/${k}`);
        });
      return { name, weights };
    });
  });
  const retrain =
    typeof metadata.retrain === 'object' && metadata.retrain !== null
      ? (metadata.retrain as RetrainBlock)
      : undefined;
  return {
    format: 'keras',
    topology,
    layers,
    retrain,
    kerasVersion: typeof metadata.keras_version === 'string' ? metadata.keras_version : undefined,
  };
}

/** Reads a `.keras` or `.h5` file by its first bytes (zip or HDF5 signature). */
export function readKerasFile(bytes: Uint8Array, label: string): Promise<RawKerasModel> {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return readKerasZip(bytes, label);
  return readKerasH5(bytes, label);
}
