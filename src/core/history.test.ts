import { describe, expect, it } from 'vitest';
import { setTrainable } from './graph';
import { emptyHistory, MAX_HISTORY, record, redo, undo } from './history';
import { chainGraph } from './testGraphs';

describe('history', () => {
  it('undoes and redoes commands in order', () => {
    const g0 = chainGraph();
    const g1 = setTrainable(g0, ['conv'], false);
    const g2 = setTrainable(g1, ['dense'], false);
    let h = record(emptyHistory(), { label: 'a', before: g0, after: g1 });
    h = record(h, { label: 'b', before: g1, after: g2 });
    const u1 = undo(h)!;
    expect(u1.graph).toBe(g1);
    const u2 = undo(u1.history)!;
    expect(u2.graph).toBe(g0);
    expect(undo(u2.history)).toBeNull();
    const r1 = redo(u2.history)!;
    expect(r1.graph).toBe(g1);
    expect(redo(redo(r1.history)!.history)).toBeNull();
  });

  it('merges consecutive edits with the same merge key into one step', () => {
    const g0 = chainGraph();
    const g1 = { ...g0, name: 'x1' };
    const g2 = { ...g0, name: 'x2' };
    let h = record(emptyHistory(), { label: 'units', before: g0, after: g1, mergeKey: 'dense:units' });
    h = record(h, { label: 'units', before: g1, after: g2, mergeKey: 'dense:units' });
    expect(h.past).toHaveLength(1);
    expect(undo(h)!.graph).toBe(g0);
    h = record(h, { label: 'rate', before: g2, after: g0, mergeKey: 'drop:rate' });
    expect(h.past).toHaveLength(2);
  });

  it('a new command clears redo and history is bounded', () => {
    const g = chainGraph();
    let h = record(emptyHistory(), { label: 'a', before: g, after: g });
    h = undo(h)!.history;
    expect(h.future).toHaveLength(1);
    h = record(h, { label: 'b', before: g, after: g });
    expect(h.future).toHaveLength(0);
    for (let i = 0; i < MAX_HISTORY + 10; i++) h = record(h, { label: `${i}`, before: g, after: g });
    expect(h.past).toHaveLength(MAX_HISTORY);
  });
});
