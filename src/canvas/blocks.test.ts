import { describe, expect, it } from 'vitest';
import { graphFromKeras } from '../core/keras';
import { teachableMachineExport } from '../export/zooFixtures';
import { findBlocks, initiallyCollapsed } from './blocks';

describe.each([true, false])('a nested model as one group (shared copy: %s)', (useShared) => {
  const json = JSON.parse(new TextDecoder().decode(teachableMachineExport(useShared).files['model.json']));
  const graph = graphFromKeras(json.modelTopology);

  it('is one block named after the model, holding all its layers', () => {
    const blocks = findBlocks(graph);
    const base = graph.layers.filter((l) => l.group === 'model1').map((l) => l.name);
    expect(blocks.get('model1')).toEqual(base);
    // Its inverted-residual blocks are not split off from it.
    expect([...blocks.values()].filter((m) => m.some((n) => base.includes(n)))).toHaveLength(1);
  });

  it('opens collapsed (the base that holds the input), the head stays visible', () => {
    expect(initiallyCollapsed(graph)).toEqual(['model1']);
  });
});
