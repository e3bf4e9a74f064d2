import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analysis';
import { graphFromKeras, graphToKeras } from './keras';

const TM = join(__dirname, '../../../shared/models/tm-export_mobilenet_v2_0.35_224/model.json');

const input = (name: string, shape: (number | null)[]) => ({
  name,
  class_name: 'InputLayer',
  config: { batch_input_shape: shape, dtype: 'float32', sparse: false, name },
  inbound_nodes: [],
});
const dense = (name: string, units: number, from: string, node = 0) => ({
  name,
  class_name: 'Dense',
  config: { units, activation: 'relu', use_bias: true, name, trainable: true },
  inbound_nodes: [[[from, node, 0, {}]]],
});

/** A small functional model nested, like Teachable Machine's, in Sequentials and in a functional model. */
function generatedNested() {
  const inner = {
    class_name: 'Model',
    config: {
      name: 'base',
      layers: [input('input_1', [null, 6]), dense('d1', 5, 'input_1'), dense('d2', 4, 'd1')],
      input_layers: [['input_1', 0, 0]],
      output_layers: [['d2', 0, 0]],
    },
  };
  return {
    class_name: 'Sequential',
    config: {
      name: 'outer',
      layers: [
        { class_name: 'Sequential', config: { name: 'seq_base', layers: [inner] } },
        {
          class_name: 'Sequential',
          config: {
            name: 'seq_head',
            layers: [
              {
                class_name: 'Dense',
                config: { name: 'out', units: 3, activation: 'softmax', batch_input_shape: [null, 4] },
              },
            ],
          },
        },
      ],
    },
  };
}

describe('nested models are flattened', () => {
  it('flattens Sequentials holding a functional model into one chain with groups', () => {
    const g = graphFromKeras(generatedNested());
    expect(g.layers.map((l) => l.name)).toEqual(['input_1', 'd1', 'd2', 'out']);
    expect(g.inputs).toEqual(['input_1']);
    expect(g.outputs).toEqual(['out']);
    expect(g.layers.find((l) => l.name === 'out')!.inbound).toEqual(['d2']);
    expect(g.layers.map((l) => l.group)).toEqual(['base', 'base', 'base', 'seq_head']);
    // The head's batch_input_shape belonged to the nested Sequential, not to the flat graph.
    expect(g.layers.find((l) => l.name === 'out')!.config).not.toHaveProperty('batchInputShape');
    const a = analyzeGraph(g);
    expect(a.problems).toEqual([]);
    expect(a.layers.get('out')!.shape).toEqual([null, 3]);
  });

  it('flattens a model called inside a functional model (inbound node index 1)', () => {
    const base = generatedNested().config.layers[0].config.layers[0] as object;
    const topology = {
      class_name: 'Model',
      config: {
        name: 'top',
        layers: [
          input('image', [null, 6]),
          { ...base, name: 'base', inbound_nodes: [[['image', 0, 0, {}]]] },
          dense('head', 2, 'base', 1),
        ],
        input_layers: [['image', 0, 0]],
        output_layers: [['head', 0, 0]],
      },
    };
    const g = graphFromKeras(topology);
    // The nested model's own InputLayer is replaced by the outer one.
    expect(g.layers.map((l) => l.name)).toEqual(['image', 'd1', 'd2', 'head']);
    expect(g.layers.find((l) => l.name === 'd1')!.inbound).toEqual(['image']);
    expect(g.layers.find((l) => l.name === 'head')!.inbound).toEqual(['d2']);
    expect(analyzeGraph(g).problems).toEqual([]);
  });

  it('renames a nested layer whose name is taken, keeping its weights key', () => {
    const topology = {
      class_name: 'Model',
      config: {
        name: 'top',
        layers: [
          input('image', [null, 6]),
          dense('d1', 6, 'image'),
          {
            ...(generatedNested().config.layers[0].config.layers[0] as object),
            name: 'base',
            inbound_nodes: [[['d1', 0, 0, {}]]],
          },
        ],
        input_layers: [['image', 0, 0]],
        output_layers: [['base', 1, 0]],
      },
    };
    const g = graphFromKeras(topology);
    const renamed = g.layers.find((l) => l.weightsKey === 'd1' && l.name !== 'd1')!;
    expect(renamed.name).toBe('base_d1');
    expect(renamed.inbound).toEqual(['d1']);
    expect(g.outputs).toEqual(['d2']);
  });

  it('freezes the layers of a nested model saved as not trainable', () => {
    const t = generatedNested();
    (t.config.layers[0].config as Record<string, unknown>).trainable = false;
    const g = graphFromKeras(t);
    expect(g.layers.filter((l) => l.className !== 'InputLayer').map((l) => l.trainable)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it.skipIf(!existsSync(TM))('opens the real Teachable Machine export as one flat graph', () => {
    const json = JSON.parse(readFileSync(TM, 'utf8'));
    const g = graphFromKeras(json.modelTopology);
    expect(g.inputs).toEqual(['input_1']);
    expect(g.outputs).toEqual(['dense_Dense2']);
    expect(g.layers.filter((l) => l.group === 'model1')).toHaveLength(155);
    expect(
      g.layers.find((l) => l.name === 'global_average_pooling2d_GlobalAveragePooling2D1')!.inbound,
    ).toEqual(['out_relu']);
    expect(g.layers.find((l) => l.name === 'dense_Dense1')!.group).toBe('sequential_3');
    const a = analyzeGraph(g);
    expect(a.problems).toEqual([]);
    expect(a.layers.get('out_relu')!.shape).toEqual([null, 7, 7, 1280]);
    expect(a.layers.get('dense_Dense2')!.shape).toEqual([null, 3]);
    // 410,208 base parameters + 128,400 in the head, as the export's manifest holds.
    expect(a.trainableParams + a.frozenParams).toBe(410_208 + 128_400);
    // Every weight of the manifest belongs to a layer of the flat graph.
    const names = new Set(
      g.layers.flatMap((l) => (a.layers.get(l.name)?.weights ?? []).map((w) => `${l.weightsKey}/${w.name}`)),
    );
    const manifest = json.weightsManifest.flatMap((grp: { weights: { name: string }[] }) => grp.weights);
    expect(manifest.filter((w: { name: string }) => !names.has(w.name))).toEqual([]);
    // It exports as the equivalent functional model.
    const back = graphFromKeras(graphToKeras(g));
    expect(back.layers.map((l) => l.name)).toEqual(g.layers.map((l) => l.name));
  });
});
