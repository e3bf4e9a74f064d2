import { strToU8, zipSync } from 'fflate';
import { analyzeGraph } from '../core/analysis';
import { graphFromKeras } from '../core/keras';
import {
  keras2ToKeras3,
  KERAS3_VERSION,
  kerasLayerOrder,
  kerasVarsKeys,
  kerasWeightOrder,
} from '../core/kerasV3';
import type { JsonValue, ModelGraph, WeightSpec } from '../core/types';
import { ensureGroup, writeH5 } from './hdf5';
import type { RetrainBlock, WeightsGroup } from './modelFiles';

/**
 * Keras files out, written in the page (in the Keras worker) from a TF.js export: the Keras 3
 * `.keras` zip (keras/src/saving/saving_lib.py: config.json, metadata.json, model.weights.h5
 * with `vars` at the root and `layers/<snake_case class>[_n]/vars/<i>`) and the legacy `.h5`
 * (keras/src/legacy/saving/legacy_h5_format.py: `model_config`, `keras_version`, `backend` and
 * `model_weights/<layer>/<layer>/<weight>:0` named by `layer_names`/`weight_names`).
 */

type JsonObject = { [key: string]: JsonValue };

/** What the writers need: a TF.js export (model.json text + weights.bin). */
export interface ExportSource {
  modelJson: string;
  weights: ArrayBuffer;
}

interface Prepared {
  graph: ModelGraph;
  topology: JsonObject;
  order: string[];
  shapes: Map<string, (number | null)[]>;
  /** Per layer in Keras order: its weights in Keras order. */
  weights: Map<string, { spec: WeightSpec; data: Float32Array }[]>;
  retrain?: RetrainBlock;
}

/** Reads a TF.js export back into a graph and per-layer float32 weights in Keras order. */
function prepare(source: ExportSource): Prepared {
  const json = JSON.parse(source.modelJson) as {
    modelTopology: JsonObject;
    weightsManifest: WeightsGroup[];
    retrain?: RetrainBlock;
  };
  const graph = graphFromKeras(json.modelTopology);
  const analysis = analyzeGraph(graph);
  const stored = new Map<string, Float32Array>();
  let offset = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype !== 'float32' || w.quantization)
      throw new Error(`The weight "${w.name}" is not plain float32.`);
    stored.set(w.name, new Float32Array(source.weights.slice(offset, offset + n * 4)));
    offset += n * 4;
  }
  const shapes = new Map<string, (number | null)[]>();
  const weights = new Map<string, { spec: WeightSpec; data: Float32Array }[]>();
  for (const layer of graph.layers) {
    const info = analysis.layers.get(layer.name);
    if (info?.shape) shapes.set(layer.name, info.shape);
    weights.set(
      layer.name,
      kerasWeightOrder(info?.weights ?? []).map((spec) => {
        const data = stored.get(`${layer.name}/${spec.name}`);
        if (!data) throw new Error(`The export has no weight "${layer.name}/${spec.name}".`);
        return { spec, data };
      }),
    );
  }
  return {
    graph,
    topology: json.modelTopology,
    order: kerasLayerOrder(graph),
    shapes,
    weights,
    retrain: json.retrain,
  };
}

/** The Keras 3 config.json object for a TF.js export. */
export function keras3ConfigFor(source: ExportSource): JsonObject {
  const p = prepare(source);
  return keras2ToKeras3(p.topology, p.order, p.shapes);
}

/** Writes a Keras 3 `.keras` archive that keras.models.load_model opens with no custom objects. */
export async function writeKerasArchive(source: ExportSource, date = new Date()): Promise<Uint8Array> {
  const p = prepare(source);
  const config = keras2ToKeras3(p.topology, p.order, p.shapes);
  const classOf = new Map(p.graph.layers.map((l) => [l.name, l.className]));
  const weightsH5 = await writeH5((f) => {
    f.create_group('vars');
    const layers = f.create_group('layers');
    const keys = kerasVarsKeys(p.order.map((name) => classOf.get(name) ?? ''));
    for (const [i, name] of p.order.entries()) {
      const key = keys[i];
      const vars = ensureGroup(layers, `${key}/vars`);
      (p.weights.get(name) ?? []).forEach(({ spec, data }, v) => {
        vars.create_dataset({ name: String(v), data, shape: spec.shape, dtype: '<f' });
      });
    }
  });
  const stamp = date.toISOString().replace('T', '@').slice(0, 19);
  const metadata = { keras_version: KERAS3_VERSION, date_saved: stamp, retrain: p.retrain ?? null };
  return zipSync({
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': [weightsH5, { level: 0 }],
  });
}

/** The tf.keras 2 version written into legacy .h5 files. */
export const LEGACY_KERAS_VERSION = '2.15.0';

/** Writes a legacy Keras `.h5` model (model_config + model_weights) for tf.keras 2.x and Keras 3. */
export async function writeKerasH5(source: ExportSource): Promise<Uint8Array> {
  const p = prepare(source);
  const mc = (p.topology.model_config ?? p.topology) as JsonObject;
  const rank = new Map(p.order.map((n, i) => [n, i]));
  const cfg = mc.config as JsonObject;
  const layers = (cfg.layers as JsonObject[])
    .slice()
    .sort((a, b) => (rank.get(String(a.name)) ?? 0) - (rank.get(String(b.name)) ?? 0));
  const modelConfig = { class_name: 'Functional', config: { ...cfg, layers } };
  return writeH5((f) => {
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', LEGACY_KERAS_VERSION);
    f.create_attribute('model_config', JSON.stringify(modelConfig));
    if (p.retrain) f.create_attribute('retrain', JSON.stringify(p.retrain));
    const mw = f.create_group('model_weights');
    mw.create_attribute('backend', 'tensorflow');
    mw.create_attribute('keras_version', LEGACY_KERAS_VERSION);
    mw.create_attribute('layer_names', p.order);
    for (const name of p.order) {
      const g = mw.create_group(name);
      const ws = p.weights.get(name) ?? [];
      const names = ws.map(({ spec }) => `${name}/${spec.name}:0`);
      if (names.length) g.create_attribute('weight_names', names);
      else g.create_attribute('weight_names', [], [0], 'S1');
      ws.forEach(({ spec, data }, i) => {
        const holder = ensureGroup(g, name);
        holder.create_dataset({
          name: names[i].slice(name.length + 1),
          data,
          shape: spec.shape,
          dtype: '<f',
        });
      });
    }
  });
}
