import { ancestorsOf } from '../core/graph';
import type { ModelGraph } from '../core/types';

/**
 * Collapsible blocks: the layers of a nested model (a Teachable Machine export's base) as one
 * group named after that model, inverted-residual blocks by their name prefix (block_3_...,
 * expanded_conv_...) and inception blocks as the layers that feed one "mixedN" concatenation
 * and not the one before.
 */
export function findBlocks(graph: ModelGraph): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  const prefix = /^(block_\d+|expanded_conv)_/;
  for (const l of graph.layers) {
    if (l.group) {
      blocks.set(l.group, [...(blocks.get(l.group) ?? []), l.name]);
      continue;
    }
    const m = prefix.exec(l.name);
    if (m) blocks.set(m[1], [...(blocks.get(m[1]) ?? []), l.name]);
  }
  const mixed = graph.layers.filter((l) => /^mixed\d+$/.test(l.name) && l.className === 'Concatenate');
  let previous = new Set<string>();
  for (const m of mixed) {
    const upstream = ancestorsOf(graph, m.name);
    const members = graph.layers
      .filter((l) => !l.group && upstream.has(l.name) && !previous.has(l.name))
      .map((l) => l.name);
    // The stem (everything before mixed0) stays expanded: it is short and holds the input.
    if (previous.size > 0 || m.name !== 'mixed0') blocks.set(m.name, members);
    previous = upstream;
  }
  for (const [id, members] of blocks) if (members.length < 2) blocks.delete(id);
  return blocks;
}

/** Nested models this large open collapsed, as one group (a whole pretrained base). */
const COLLAPSED_GROUP_MIN = 20;

/**
 * Blocks shown collapsed when a model opens: the nested model that holds the input (the base of
 * a Teachable Machine export) and any other large nested model.
 */
export function initiallyCollapsed(graph: ModelGraph): string[] {
  const counts = new Map<string, number>();
  for (const l of graph.layers) if (l.group) counts.set(l.group, (counts.get(l.group) ?? 0) + 1);
  const base = graph.layers.find((l) => graph.inputs.includes(l.name))?.group;
  return [...counts].filter(([g, n]) => n >= 2 && (g === base || n >= COLLAPSED_GROUP_MIN)).map(([g]) => g);
}
