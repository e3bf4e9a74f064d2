import { useShallow } from 'zustand/react/shallow';
import { useEditor } from '../store/editorStore';
import { useTraining } from '../store/trainingStore';

/** Parameter counts and undo/redo, recomputed on every edit. */
export function StatusBar() {
  const { analysis, canUndo, canRedo, undo, redo, layers, nextUndo } = useEditor(
    useShallow((s) => ({
      analysis: s.analysis,
      canUndo: s.history.past.length > 0,
      canRedo: s.history.future.length > 0,
      nextUndo: s.history.past[s.history.past.length - 1]?.label,
      undo: s.undo,
      redo: s.redo,
      layers: s.graph?.layers.length ?? 0,
    })),
  );
  // Undo during a run would change the graph the worker is training.
  const training = useTraining((s) => s.status === 'preparing' || s.status === 'training');
  return (
    <footer className="status" aria-label="Status">
      <span>Layers: {layers}</span>
      <span data-testid="trainable-params">Trainable params: {analysis?.trainableParams ?? 0}</span>
      <span data-testid="frozen-params">Frozen params: {analysis?.frozenParams ?? 0}</span>
      <span className="spacer" />
      <button
        type="button"
        onClick={undo}
        disabled={!canUndo || training}
        title={nextUndo ? `Undo ${nextUndo} (Ctrl+Z)` : 'Undo (Ctrl+Z)'}
      >
        Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo || training} title="Redo (Ctrl+Shift+Z)">
        Redo
      </button>
    </footer>
  );
}
