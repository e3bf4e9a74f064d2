import { ModelFormatError } from '../core/keras';
import { loadBuiltin, readModelFiles, type ModelDescriptor } from '../export/modelFiles';
import { useDataset } from '../store/datasetStore';
import { useEditor } from '../store/editorStore';

/** Replaces the model only when the new one loaded completely: a bad file never costs the graph. */
async function open(label: string, load: () => Promise<ModelDescriptor>): Promise<boolean> {
  const store = useEditor.getState();
  store.setLoading(`Loading ${label}…`);
  try {
    const model = await load();
    useEditor.getState().loadModel(model);
    return true;
  } catch (e) {
    const why =
      e instanceof ModelFormatError ? e.message : `an unexpected error: ${(e as Error).message ?? String(e)}`;
    useEditor
      .getState()
      .pushAlert('error', `Could not open ${label}: ${why} The current model is unchanged.`);
    return false;
  } finally {
    useEditor.getState().setLoading(null);
  }
}

/** Opens a built-in model by id. */
export function openBuiltin(id: string): Promise<boolean> {
  return open(id.replace(/_/g, ' '), () => loadBuiltin(id));
}

/** Opens the user's model files. */
export function openModelFiles(files: File[]): Promise<boolean> {
  // A weights-only Keras file gets a new head: one unit per class of the dataset.
  const headUnits = useDataset.getState().classes.length;
  return open(files.map((f) => f.name).join(', '), () => readModelFiles(files, { headUnits }));
}

/** Files that look like a model (as opposed to images) when dropped on the page. */
export function looksLikeModelFiles(files: File[]): boolean {
  return (
    files.some((f) => /\.(json|bin|keras|h5|hdf5)$/i.test(f.name)) ||
    files.some((f) => /(^|\/)model[^/]*\.zip$/i.test(f.name))
  );
}
