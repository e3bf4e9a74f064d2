import * as tf from '@tensorflow/tfjs';
import { insertAfter } from '../../core/graph';
import { graphToKeras } from '../../core/keras';
import type { LayerNode, ModelGraph } from '../../core/types';
import { rescalingFor } from '../../export/metadata';
import type { RetrainBlock } from '../../export/modelFiles';
import type { ExportedModel, ExportOptions } from '../shared/api';

/**
 * Export in the worker, where the weights live: the model's current weights go into one
 * weights.bin, and model.json gets the edited graph with the base's input scaling in front
 * as a Rescaling layer, so any TF.js client can feed RGB 0..255 and get the same outputs.
 */

/** The weights file every export writes; model.json's manifest names it. */
export const WEIGHTS_FILE = 'weights.bin';

const RESCALING_NAME = 'retrain_rescaling';

/**
 * The graph with a Rescaling layer (the scale/offset of `preprocessing`) right after its one
 * input; `layer` is that layer's name, or null when the base takes 0..255 already.
 */
export function bakeRescaling(
  graph: ModelGraph,
  preprocessing: ExportOptions['preprocessing'],
): { graph: ModelGraph; layer: string | null } {
  const params = rescalingFor(preprocessing);
  if (!params) return { graph, layer: null };
  if (graph.inputs.length !== 1) {
    throw new Error(
      `The model has ${graph.inputs.length} inputs: export bakes the image scaling into a model with one image input.`,
    );
  }
  const input = graph.inputs[0];
  const taken = new Set(graph.layers.map((l) => l.name));
  let name = RESCALING_NAME;
  for (let i = 1; taken.has(name); i++) name = `${RESCALING_NAME}_${i}`;
  const rescaling: LayerNode = {
    name,
    className: 'Rescaling',
    config: { scale: params.scale, offset: params.offset },
    inbound: [input],
    trainable: true,
  };
  const result = insertAfter(graph, input, rescaling);
  if (!result.ok) throw new Error(`The input scaling could not be added to the model: ${result.error}`);
  return { graph: result.graph, layer: name };
}

/** [height, width] of the graph's input, when fixed. */
function inputSize(graph: ModelGraph): [number, number] | undefined {
  const shape = graph.layers.find((l) => l.name === graph.inputs[0])?.config.batchInputShape;
  return Array.isArray(shape) && typeof shape[1] === 'number' && typeof shape[2] === 'number'
    ? [shape[1], shape[2]]
    : undefined;
}

/** Weights and their specs as LayersModel.save writes them (names are "<layer>/<weight>"). */
async function savedWeights(
  model: tf.LayersModel,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  const saved = artifacts as tf.io.ModelArtifacts | null;
  if (!saved?.weightSpecs || !saved.weightData) throw new Error('TF.js saved the model without its weights.');
  return { specs: saved.weightSpecs, data: tf.io.CompositeArrayBuffer.join(saved.weightData) };
}

/**
 * Serialises `model` (built from `graph`, holding the weights to export) as a TF.js layers
 * model.json + weights.bin with the scaling of `options.preprocessing` baked in; `model` is
 * only read.
 */
export async function exportLayersModel(
  model: tf.LayersModel,
  graph: ModelGraph,
  options: ExportOptions,
): Promise<ExportedModel> {
  const baked = bakeRescaling(graph, options.preprocessing);
  // Saving a model built from the exported topology proves TF.js rebuilds it (Rescaling
  // included) and gives weight specs that match it by construction.
  const exported = await tf.models.modelFromJSON({
    modelTopology: graphToKeras(baked.graph) as tf.io.ModelJSON['modelTopology'],
  });
  let saved: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer };
  try {
    for (const layer of exported.layers) {
      if (layer.weights.length) layer.setWeights(model.getLayer(layer.name).getWeights());
    }
    saved = await savedWeights(exported);
  } finally {
    exported.dispose();
  }
  const { specs, data } = saved;
  const retrain: RetrainBlock = {
    title: options.title,
    preprocessing: baked.layer ? 'none' : options.preprocessing,
    ...(baked.layer ? { bakedRescaling: baked.layer } : {}),
    originalPreprocessing: options.preprocessing,
    labels: options.labels,
    inputSize: inputSize(graph),
  };
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Retrain',
    // The editor's own Keras JSON (the one the worker built this model from), not TF.js's
    // re-serialisation: configs stay exactly as edited, so re-opening gives the same graph.
    modelTopology: graphToKeras(baked.graph),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    retrain,
  };
  return { modelJson: JSON.stringify(json), weights: data, rescalingLayer: baked.layer };
}
