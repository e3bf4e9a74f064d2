import { addSuggestedHead, cutAt } from '../core/head';
import { ModelFormatError } from '../core/keras';
import { inputSizeOf, parseModelJson, validateModel, type ModelDescriptor } from './modelFiles';
import { resolveWeightKeys } from './weightKeys';
import { formatParams, type ZooEntry } from './zooCatalog';
import type { ZooFiles } from './zooDownload';

/**
 * A downloaded zoo backbone as the editor opens it: cut at its feature layer when it carries an
 * ImageNet top, frozen, with the suggested head (GAP → Dropout → Dense) on top.
 */
export function zooDescriptor(entry: ZooEntry, files: ZooFiles, classCount: number): ModelDescriptor {
  const parsed = parseModelJson(files.modelJson, `${entry.title} model.json`);
  let graph = resolveWeightKeys(parsed.graph, parsed.manifest);
  if (entry.cutAt) {
    const cut = cutAt(graph, entry.cutAt);
    if (!cut.ok) {
      throw new ModelFormatError(
        `${entry.url} has no layer "${entry.cutAt}" to take features from: the file is not the model the zoo lists. Pick another entry.`,
      );
    }
    graph = cut.graph;
  }
  validateModel(graph, parsed.manifest);
  const head = addSuggestedHead(graph, classCount);
  if (!head.ok) throw new ModelFormatError(`${entry.title}: ${head.error}`);
  return {
    id: `zoo:${entry.id}`,
    title: entry.title,
    graph: { ...head.graph, name: entry.id.replace(/\./g, '_') },
    preprocessing: entry.preprocessing,
    inputSize: inputSizeOf(head.graph) ?? entry.inputSize,
    weights: { kind: 'buffers', manifest: parsed.manifest, buffers: files.buffers },
    note: `${entry.inputSize.join('×')}, float32 ImageNet backbone (${formatParams(entry.params)} params, frozen) + suggested head`,
    appHead: head.output,
  };
}
