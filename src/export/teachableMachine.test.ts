import { describe, expect, it } from 'vitest';
import { readModelFiles } from './modelFiles';
import { teachableMachineExport } from './zooFixtures';

describe.each([true, false])('Teachable Machine exports (shared copy: %s)', (useShared) => {
  const tm = teachableMachineExport(useShared);
  const files = Object.entries(tm.files).map(([name, bytes]) => new File([bytes.slice()], name));

  it(`open as they are, with their labels and [-1, 1] input (${tm.origin})`, async () => {
    const d = await readModelFiles(files);
    expect(d.labels).toEqual(['Snickers', 'Mars', 'Rood']);
    expect(d.note).toContain('Snickers, Mars, Rood');
    expect(d.preprocessing).toBe('-1..1');
    expect(d.inputSize).toEqual([224, 224]);
    expect(d.graph.layers.filter((l) => l.group === 'model1').length).toBeGreaterThan(3);
    expect(d.graph.outputs).toEqual(['dense_Dense2']);
    // The base opens frozen (TM trained only the head); the head stays trainable.
    const base = d.graph.layers.filter((l) => l.group === 'model1');
    expect(base.every((l) => !l.trainable)).toBe(true);
    expect(d.graph.layers.find((l) => l.name === 'dense_Dense2')!.trainable).toBe(true);
  });

  it('without metadata.json they still open, with no labels', async () => {
    const d = await readModelFiles(files.filter((f) => f.name !== 'metadata.json'));
    expect(d.labels).toBeUndefined();
    expect(d.graph.outputs).toEqual(['dense_Dense2']);
  });

  it('weights named with their nested models as a prefix are found', async () => {
    const json = JSON.parse(new TextDecoder().decode(tm.files['model.json']));
    for (const g of json.weightsManifest)
      for (const w of g.weights) w.name = `sequential_4/sequential_1/model1/${w.name}`;
    const renamed = files.map((f) =>
      f.name === 'model.json' ? new File([JSON.stringify(json)], 'model.json') : f,
    );
    const d = await readModelFiles(renamed);
    const conv = d.graph.layers.find((l) => l.name === 'Conv1')!;
    expect(conv.weightsKey).toBe('sequential_4/sequential_1/model1/Conv1');
  });
});
