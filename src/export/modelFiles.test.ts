import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseModelJson, unzipSafe, validateModel } from './modelFiles';

const tinyJson = readFileSync(join(process.cwd(), 'public/models/tiny_cnn/model.json'), 'utf8');

interface Topology {
  modelTopology: {
    config: { layers: { class_name: string; config: Record<string, unknown> }[]; output_layers: unknown[] };
  };
}
const edited = (edit: (m: Topology) => void): string => {
  const m = JSON.parse(tinyJson) as Topology;
  edit(m);
  return JSON.stringify(m);
};

describe('hostile model.json', () => {
  it('says what to do about a topology the editor cannot read, naming the file and layer', () => {
    const text = edited((m) => {
      m.modelTopology.config.layers[3].class_name = 'Sequential';
    });
    expect(() => parseModelJson(text, 'forum-model.json')).toThrow(
      /^in forum-model\.json, layer "conv2" is a nested Sequential model with no layers list.*Save the model again as a plain Keras functional or Sequential model/,
    );
  });

  it('refuses a model without output layers before anything is built', () => {
    const parsed = parseModelJson(edited((m) => (m.modelTopology.config.output_layers = [])));
    expect(() => validateModel(parsed.graph, parsed.manifest)).toThrow(
      /lists no output layer.*output_layers/,
    );
  });

  it('refuses a Dense of 2e9 units from the layer spec, before any weight is allocated', () => {
    const parsed = parseModelJson(
      edited((m) => {
        const dense = m.modelTopology.config.layers.find((l) => l.config.name === 'dense_2');
        if (dense) dense.config.units = 2e9;
      }),
    );
    expect(() => validateModel(parsed.graph, parsed.manifest)).toThrow(
      /dense_2 would have \d+ parameters \(units 2000000000\): use a smaller number of units/,
    );
  });
});

describe('unzipSafe', () => {
  it('refuses a zip bomb by its expansion ratio and says how big it would get', async () => {
    const bomb = zipSync({ 'w/weights.bin': new Uint8Array(96 * 1024 * 1024) }, { level: 9 });
    await expect(unzipSafe(bomb, 'bomb.zip')).rejects.toThrow(
      /^bomb\.zip would unpack to more than 96 MiB from \d+ KiB \(at "w\/weights\.bin"\): it looks like a zip bomb/,
    );
  });
});
