import { ancestorsOf } from '../core/graph';
import type { ModelGraph } from '../core/types';

/**
 * Collapsible blocks: inverted-residual blocks by their name prefix (block_3_..., expanded_conv_...)
 * and inception blocks as the layers that feed one "mixedN" concatenation and not the one before.
 */
export function findBlocks(graph: ModelGraph): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  const prefix = /^(block_\d+|expanded_conv)_/;
  for (const l of graph.layers) {
    const m = prefix.exec(l.name);
    if (m) blocks.set(m[1], [...(blocks.get(m[1]) ?? []), l.name]);
  }
  const mixed = graph.layers.filter((l) => /^mixed\d+$/.test(l.name) && l.className === 'Concatenate');
  let previous = new Set<string>();
  for (const m of mixed) {
    const upstream = ancestorsOf(graph, m.name);
    const members = graph.layers.map((l) => l.name).filter((n) => upstream.has(n) && !previous.has(n));
    // The stem (everything before mixed0) stays expanded: it is short and holds the input.
    if (previous.size > 0 || m.name !== 'mixed0') blocks.set(m.name, members);
    previous = upstream;
  }
  for (const [id, members] of blocks) if (members.length < 2) blocks.delete(id);
  return blocks;
}
