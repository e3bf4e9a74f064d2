import { useMemo, useState } from 'react';
import { findBlocks } from '../canvas/blocks';
import { useEditor } from '../store/editorStore';

/** Finds a layer by name and centres it. */
export function SearchBox() {
  const graph = useEditor((s) => s.graph);
  const names = useMemo(() => graph?.layers.map((l) => l.name), [graph]);
  const [text, setText] = useState('');
  const go = (query: string) => {
    const q = query.trim().toLowerCase();
    if (!q || !names) return;
    const hit = names.find((n) => n.toLowerCase() === q) ?? names.find((n) => n.toLowerCase().includes(q));
    const store = useEditor.getState();
    if (!hit) {
      store.pushAlert(
        'warning',
        `No layer matches "${query}": check the spelling, or search for part of the name.`,
      );
      return;
    }
    // A hit inside a collapsed block expands it so the layer can be shown.
    const blocks = store.graph ? findBlocks(store.graph) : new Map<string, string[]>();
    const collapsedBlock = store.collapsed.find((b) => blocks.get(b)?.includes(hit));
    if (collapsedBlock) store.toggleCollapsed(collapsedBlock);
    store.select([hit]);
    store.focusLayer(hit);
  };
  return (
    <form
      className="search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        go(text);
      }}
    >
      <input
        type="search"
        aria-label="Find layer"
        placeholder="Find layer…"
        list="layer-names"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <datalist id="layer-names">
        {names?.slice(0, 2000).map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
    </form>
  );
}
