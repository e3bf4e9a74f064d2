import { insertLayer } from '../actions/insertLayer';
import { runAction } from '../actions/manager';
import { PALETTE_CLASSES } from '../core/layers/registry';
import { PALETTE_MIME } from '../canvas/Canvas';
import { useEditor } from '../store/editorStore';

/** Layers to add: drag onto the canvas or an edge, or click/Enter to insert after the selection. */
export function Palette() {
  const insert = (className: string) => {
    const { selection, graph } = useEditor.getState();
    if (!graph) return;
    // With nothing selected, a new layer goes after the output: that is where heads are built.
    const after = selection.length === 1 ? selection[0] : graph.outputs[0];
    runAction(insertLayer, { className, after });
  };
  return (
    <section className="panel palette" aria-label="Layers palette">
      <h2>Layers</h2>
      <p className="hint">Drag onto the canvas or a connection, or select a layer and click.</p>
      <ul>
        {PALETTE_CLASSES.map((c) => (
          <li key={c}>
            <button
              type="button"
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData(PALETTE_MIME, c);
                e.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() => insert(c)}
            >
              {c}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
