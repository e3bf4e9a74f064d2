import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { camelToSnake, graphFromKeras, graphToKeras, ModelFormatError, snakeToCamel } from './keras';

const models = join(__dirname, '../../public/models');

describe('key conversion', () => {
  it('converts both ways', () => {
    expect(snakeToCamel('batch_input_shape')).toBe('batchInputShape');
    expect(camelToSnake('batchInputShape')).toBe('batch_input_shape');
    expect(camelToSnake(snakeToCamel('depthwise_kernel_initializer'))).toBe('depthwise_kernel_initializer');
  });
});

describe.each(['mobilenet_v2_140', 'mobilenet_v2', 'inception_v3', 'tiny_cnn'])(
  'Keras-JSON round trip of %s',
  (id) => {
    const file = join(models, id, 'model.json');
    it.skipIf(!existsSync(file))('reproduces the topology exactly', () => {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      const graph = graphFromKeras(json.modelTopology);
      expect(graph.layers.length).toBeGreaterThan(5);
      // Configs are camelCase inside the editor.
      const conv = graph.layers.find((l) => l.className === 'Conv2D')!;
      expect(conv.config).toHaveProperty('kernelSize');
      expect(conv.config).not.toHaveProperty('kernel_size');
      expect(graphToKeras(graph)).toEqual(json.modelTopology);
    });
  },
);

describe('graphFromKeras errors', () => {
  it('explains graph models', () => {
    expect(() => graphFromKeras({ node: [], versions: {} })).toThrow(/graph model/);
  });
  it('refuses shared layers and nested models with the layer name', () => {
    const topology = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [
          {
            name: 'in',
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 4] },
            inbound_nodes: [],
          },
          {
            name: 'd',
            class_name: 'Dense',
            config: { units: 2 },
            inbound_nodes: [[['in', 0, 0, {}]], [['in', 0, 0, {}]]],
          },
        ],
        input_layers: [['in', 0, 0]],
        output_layers: [['d', 0, 0]],
      },
    };
    expect(() => graphFromKeras(topology)).toThrow(ModelFormatError);
    expect(() => graphFromKeras(topology)).toThrow(/"d"/);
  });
  it('reads a Sequential model as a chain with an input layer', () => {
    const g = graphFromKeras({
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [
          { class_name: 'Dense', config: { name: 'd1', units: 4, batch_input_shape: [null, 3] } },
          { class_name: 'Dense', config: { name: 'd2', units: 2 } },
        ],
      },
    });
    expect(g.layers.map((l) => l.name)).toEqual(['d1_input', 'd1', 'd2']);
    expect(g.outputs).toEqual(['d2']);
    expect(g.layers[2].inbound).toEqual(['d1']);
  });
});
