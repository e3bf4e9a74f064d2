import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analysis';
import { connect, deleteLayers, insertAfter, setTrainable } from './graph';
import { graphFromKeras } from './keras';
import { chainGraph, diamondGraph, layer } from './testGraphs';
import type { ModelGraph } from './types';

const must = (r: { ok: true; graph: ModelGraph } | { ok: false; error: string }) => {
  if (!r.ok) throw new Error(r.error);
  return r.graph;
};

describe('analyzeGraph', () => {
  it('infers shapes and counts parameters as Keras does', () => {
    const a = analyzeGraph(chainGraph());
    expect(a.problems).toEqual([]);
    expect(a.layers.get('conv')?.shape).toEqual([null, 8, 8, 4]);
    expect(a.layers.get('flatten')?.shape).toEqual([null, 256]);
    // conv 3*3*3*4+4 = 112, dense 256*10+10 = 2570, out 10*2+2 = 22
    expect(a.trainableParams).toBe(112 + 2570 + 22);
    expect(a.frozenParams).toBe(0);
    const frozen = analyzeGraph(setTrainable(chainGraph(), ['dense'], false));
    expect(frozen.trainableParams).toBe(134);
    expect(frozen.frozenParams).toBe(2570);
  });

  it('tells the user to add Flatten or pooling when Dense gets a 4-D input', () => {
    const g = must(deleteLayers(chainGraph(), ['flatten']));
    const a = analyzeGraph(g);
    const p = a.problems.find((x) => x.layer === 'dense');
    expect(p?.message).toMatch(/Flatten or GlobalAveragePooling2D before dense/);
    expect(a.layers.get('dense')?.error).toBeDefined();
  });

  it('reports an Add of unequal shapes', () => {
    const g = must(insertAfter(diamondGraph(), 'b', layer('b2', 'Dense', [], { units: 5, useBias: true })));
    expect(analyzeGraph(g).problems.some((p) => p.layer === 'add')).toBe(true);
  });

  it('reports a layer with no path to the output and a cycle', () => {
    const g = {
      ...chainGraph(),
      layers: [...chainGraph().layers, layer('lonely', 'Dense', ['dense'], { units: 3 })],
    };
    const a = analyzeGraph(g);
    expect(a.problems.find((p) => p.layer === 'lonely')?.message).toMatch(/no path to the model's output/);
    const cyclic = {
      ...chainGraph(),
      layers: chainGraph().layers.map((l) => (l.name === 'conv' ? { ...l, inbound: ['dense'] } : l)),
    };
    expect(analyzeGraph(cyclic).problems.some((p) => /cycle/.test(p.message))).toBe(true);
  });

  it('reports no output after the last layer is deleted from a one-layer chain', () => {
    const g: ModelGraph = { ...chainGraph(), outputs: [] };
    expect(analyzeGraph(g).problems.some((p) => /no output/.test(p.message))).toBe(true);
  });

  it('reports an unknown layer class by name', () => {
    const g = must(
      connect(
        { ...chainGraph(), layers: [...chainGraph().layers, layer('lam', 'Lambda', [])] },
        'dense_out',
        'lam',
        1,
      ),
    );
    expect(analyzeGraph(g).problems.find((p) => p.layer === 'lam')?.message).toMatch(/Lambda/);
  });
});

const mobilenet = join(__dirname, '../../public/models/mobilenet_v2/model.json');
describe.skipIf(!existsSync(mobilenet))('MobileNet V2 analysis', () => {
  it('matches the parameter count of its weight file and has no problems', () => {
    const json = JSON.parse(readFileSync(mobilenet, 'utf8'));
    const a = analyzeGraph(graphFromKeras(json.modelTopology));
    expect(a.problems).toEqual([]);
    const stored = (json.weightsManifest as { weights: { shape: number[] }[] }[])
      .flatMap((g) => g.weights)
      .reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
    expect(a.trainableParams + a.frozenParams).toBe(stored);
    expect(a.layers.get('out_relu')?.shape).toEqual([null, 7, 7, 1280]);
    expect(a.layers.get('dense_3')?.shape).toEqual([null, 5]);
  });
});
