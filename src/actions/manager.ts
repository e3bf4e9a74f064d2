import { useEditor } from '../store/editorStore';
import { isTraining } from '../store/trainingStore';
import type { Action } from './types';

/** Runs a command against the store: commits its graph to history or shows its error. */
export function runAction<Args>(action: Action<Args>, args: Args): boolean {
  const { graph, analysis, selection, commit, pushAlert } = useEditor.getState();
  if (!graph || !analysis) return false;
  if (isTraining()) {
    // The worker trains a snapshot of this graph: an edit now would not match the weights it returns.
    pushAlert(
      'warning',
      `"${action.label}" was not applied: training is running. Press Stop or wait for the run to end, then edit the model.`,
    );
    return false;
  }
  const result = action.perform({ graph, analysis, selection }, args);
  if (!result) return false;
  if ('error' in result) {
    pushAlert('error', result.error);
    return false;
  }
  commit(action.label, result.graph, { mergeKey: result.mergeKey, select: result.select });
  return true;
}
