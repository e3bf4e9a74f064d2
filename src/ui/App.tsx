import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { disconnectLayers } from '../actions/connect';
import { deleteSelection } from '../actions/deleteSelection';
import { runAction } from '../actions/manager';
import { Canvas } from '../canvas/Canvas';
import { addDroppedItems } from '../store/datasetStore';
import { BUILTIN_MODELS, DEFAULT_BUILTIN } from '../export/modelFiles';
import { useEditor } from '../store/editorStore';
import { followClassCount } from '../store/zooStore';
import { useProjects } from '../store/projectStore';
import { isTraining } from '../store/trainingStore';
import { Alerts } from './Alerts';
import { DatasetPanel } from './DatasetPanel';
import { Inspector } from './Inspector';
import { ModelMenu } from './ModelMenu';
import { ZooHint } from './ZooMenu';
import { looksLikeModelFiles, openBuiltin, openModelFiles } from './openModel';
import { Palette } from './Palette';
import { ProjectsMenu } from './ProjectsMenu';
import { ResultsPanel } from './ResultsPanel';
import { TrainingPanel } from './TrainingPanel';
import { SearchBox } from './SearchBox';
import { StatusBar } from './StatusBar';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Keyboard shortcuts: Delete/Backspace, Ctrl+Z, Ctrl+Shift+Z (and Ctrl+Y). */
function useShortcuts() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const store = useEditor.getState();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && ['z', 'y'].includes(e.key.toLowerCase()) && isTraining()) {
        e.preventDefault();
        store.pushAlert(
          'warning',
          'Undo and redo wait while training is running: press Stop or wait for the run to end.',
        );
        return;
      }
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) store.redo();
        else store.undo();
      } else if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        store.redo();
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        if (store.selection.length) {
          e.preventDefault();
          runAction(deleteSelection, undefined);
        } else if (store.selectedEdges.length) {
          e.preventDefault();
          const edges = store.selectedEdges.map((id) => {
            const [source, target] = id.split('->');
            return { source, target };
          });
          if (runAction(disconnectLayers, { edges })) store.selectEdges([]);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** Files dropped anywhere on the page: model files open as a model, anything else goes to the dataset. */
function useFileDrop() {
  useEffect(() => {
    const onOver = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      const files = [...(e.dataTransfer?.files ?? [])];
      if (!files.length) return;
      e.preventDefault();
      if (looksLikeModelFiles(files)) void openModelFiles(files);
      else void addDroppedItems(e.dataTransfer!);
    };
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}

export function App() {
  const { title, note, loading } = useEditor(
    useShallow((s) => ({ title: s.model?.title, note: s.model?.note, loading: s.loading })),
  );
  useShortcuts();
  useFileDrop();
  useEffect(() => {
    // ?model=<built-in id> opens another built-in (links, the benchmark); MobileNet V2 otherwise.
    const wanted = new URLSearchParams(window.location.search).get('model');
    const id = BUILTIN_MODELS.some((m) => m.id === wanted) ? wanted! : DEFAULT_BUILTIN;
    // The last project comes back as it was left; a new one starts with the default model.
    void useProjects
      .getState()
      .start(() => openBuiltin(id))
      .then(() => {
        // An explicit ?model= link opens that model in the restored project too.
        if (wanted === id && useEditor.getState().model?.id !== `builtin:${id}`) void openBuiltin(id);
      });
  }, []);
  // An app-added head follows the dataset's class count.
  useEffect(() => followClassCount(), []);
  return (
    <ReactFlowProvider>
      <div className="app">
        <header className="topbar">
          <h1>Retrain</h1>
          <ModelMenu />
          <ProjectsMenu />
          <span className="model-title" aria-live="polite">
            {title ? (
              <>
                <strong>{title}</strong> <span className="hint">{note}</span>
              </>
            ) : null}
          </span>
          <ZooHint />
          <SearchBox />
          {loading ? (
            <span role="status" className="loading">
              {loading}
            </span>
          ) : null}
        </header>
        <Alerts />
        <main className="workspace">
          <Palette />
          <Canvas />
          <div className="side">
            <Inspector />
            <DatasetPanel />
          </div>
          <div className="side">
            <TrainingPanel />
            <ResultsPanel />
          </div>
        </main>
        <StatusBar />
      </div>
    </ReactFlowProvider>
  );
}
