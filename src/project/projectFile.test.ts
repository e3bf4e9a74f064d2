import { describe, expect, it } from 'vitest';
import { updateConfig } from '../core/graph';
import { emptyHistory, record, undo } from '../core/history';
import { chainGraph } from '../core/testGraphs';
import type { ModelGraph } from '../core/types';
import { DEFAULT_SETTINGS } from '../training/shared/types';
import { packGraphs, unpackGraphs } from './graphTable';
import { ProjectFileError, readProjectFile, writeProjectFile } from './projectFile';
import type { ProjectContent } from './types';

function edited(): { graph: ModelGraph; history: ReturnType<typeof emptyHistory>; base: ModelGraph } {
  const base = chainGraph();
  let history = emptyHistory();
  let graph = base;
  for (const units of [5, 6, 7]) {
    const r = updateConfig(graph, 'dense', { units });
    if (!r.ok) throw new Error(r.error);
    history = record(history, { label: `Units ${units}`, before: graph, after: r.graph });
    graph = r.graph;
  }
  // One undone step, so the redo list is kept too.
  const step = undo(history)!;
  return { graph: step.graph, history: step.history, base };
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);

function project(): ProjectContent {
  const { graph, history, base } = edited();
  const weights = new Float32Array([0.5, -1.25, 3, 1e-7, 42, -0.001]);
  return {
    name: 'Flowers v2',
    editor: {
      model: {
        id: 'file:mine',
        title: 'Mine',
        graph: base,
        preprocessing: '-1..1',
        inputSize: [8, 8],
        weights: {
          kind: 'buffers',
          manifest: [{ paths: ['w.bin'], weights: [{ name: 'dense/kernel', shape: [2], dtype: 'float32' }] }],
          buffers: { 'w.bin': bytes(8, 1).buffer },
        },
      },
      graph,
      history,
    },
    training: {
      settings: { ...DEFAULT_SETTINGS, epochs: 7, learningRate: 0.003 },
      status: 'finished',
      statusText: 'done',
      epoch: 2,
      epochs: 7,
      history: [
        { epoch: 1, loss: 0.9, accuracy: 0.5, valLoss: 0.8, valAccuracy: 0.6 },
        { epoch: 2, loss: 0.4, accuracy: 0.8, valLoss: null, valAccuracy: null },
      ],
      batchLoss: [1, 0.8, 0.5],
      result: null,
      resultLabels: ['a', 'b'],
    },
    weights: {
      modelId: 'file:mine',
      epoch: 2,
      entries: [
        { name: 'dense_out/kernel', shape: [2, 2], dtype: 'float32' },
        { name: 'dense_out/bias', shape: [2], dtype: 'float32' },
      ],
      data: weights.buffer,
    },
    dataset: {
      classes: [
        { name: 'a', imageIds: ['i1', 'i2'] },
        { name: 'b', imageIds: ['i3'] },
      ],
      images: ['i1', 'i2', 'i3'].map((id, k) => ({
        meta: {
          id,
          name: `${id}.jpg`,
          hash: `h${k}`,
          width: 10 + k,
          height: 20,
          thumb: new Blob([bytes(5, k)], { type: 'image/jpeg' }),
        },
        blob: new Blob([bytes(50 + k, k)], { type: k === 2 ? 'image/png' : 'image/jpeg' }),
      })),
    },
  };
}

/** Blobs and buffers as plain bytes, so toEqual compares their content. */
async function plain(p: ProjectContent) {
  const model = p.editor.model!;
  const w = model.weights.kind === 'buffers' ? model.weights : null;
  return {
    ...p,
    editor: {
      ...p.editor,
      model: {
        ...model,
        weights: {
          ...w,
          buffers: Object.fromEntries(
            Object.entries(w!.buffers).map(([k, b]) => [k, [...new Uint8Array(b)]]),
          ),
        },
      },
    },
    weights: { ...p.weights!, data: [...new Float32Array(p.weights!.data)] },
    dataset: {
      classes: p.dataset.classes,
      images: await Promise.all(
        p.dataset.images.map(async ({ meta, blob }) => ({
          meta: { ...meta, thumb: [meta.thumb.type, ...new Uint8Array(await meta.thumb.arrayBuffer())] },
          blob: [blob.type, ...new Uint8Array(await blob.arrayBuffer())],
        })),
      ),
    },
  };
}

describe('project file', () => {
  it('round-trips graph, history, settings, curves, weights, model files and images', async () => {
    const original = project();
    const file = await writeProjectFile(original);
    const back = await readProjectFile(file, 'flowers.zip');
    expect(await plain(back)).toEqual(await plain(original));
    // The history still undoes and redoes to the same graphs.
    expect(back.editor.history.past).toHaveLength(2);
    expect(back.editor.history.future).toHaveLength(1);
    expect(back.editor.history.future[0].after.layers.find((l) => l.name === 'dense')?.config.units).toBe(7);
  });

  it('writes each shared layer once and restores the sharing', () => {
    const { graph, history, base } = edited();
    const packed = packGraphs(graph, base, history);
    // 5 layers of the base + one changed dense per edit.
    expect(packed.layers).toHaveLength(5 + 3);
    const back = unpackGraphs(JSON.parse(JSON.stringify(packed)));
    expect(back.current).toEqual(graph);
    expect(back.history.past[1].before).toBe(back.history.past[0].after);
    expect(back.current!.layers[0]).toBe(back.original!.layers[0]);
  });

  it('refuses a damaged or foreign file, saying what and where', async () => {
    const read = (data: Uint8Array) => readProjectFile(data, 'bad.zip');
    await expect(read(new Uint8Array([1, 2, 3]))).rejects.toThrow(/bad\.zip .*not a readable \.zip/);
    const { zipSync, strToU8, unzipSync } = await import('fflate');
    await expect(read(zipSync({ 'model.json': strToU8('{}') }))).rejects.toThrow(/project\.json is missing/);
    await expect(read(zipSync({ 'project.json': strToU8('{"format":"x"}') }))).rejects.toThrow(
      /does not say format "retrain-project"/,
    );
    const good = unzipSync(await writeProjectFile(project()));
    const noImage = { ...good };
    delete noImage['images/i2'];
    await expect(read(zipSync(noImage))).rejects.toThrow(/images\/i2 \(i2\.jpg\) is missing/);
    const shortWeights = { ...good, 'weights.bin': good['weights.bin'].slice(0, 8) };
    await expect(read(zipSync(shortWeights))).rejects.toThrow(/weights\.bin has 8 bytes/);
    const json = JSON.parse(new TextDecoder().decode(good['project.json']));
    json.graphs.graphs[0].layers = [999];
    await expect(read(zipSync({ ...good, 'project.json': strToU8(JSON.stringify(json)) }))).rejects.toThrow(
      ProjectFileError,
    );
  });
});
