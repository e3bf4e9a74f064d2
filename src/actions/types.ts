import type { GraphAnalysis } from '../core/analysis';
import type { ModelGraph } from '../core/types';

/** What a command sees: the current graph, its analysis and the selection. */
export interface ActionContext {
  readonly graph: ModelGraph;
  readonly analysis: GraphAnalysis;
  readonly selection: readonly string[];
}

/** A command's outcome: the next graph (undoable), a user-facing error, or nothing to do. */
export type ActionResult =
  { graph: ModelGraph; select?: string[]; mergeKey?: string } | { error: string } | null;

/**
 * One user command. The same `perform` serves the button, the key and the menu; the manager
 * applies its result to the store (excalidraw's action pattern).
 */
export interface Action<Args = void> {
  readonly name: string;
  /** Words shown in history and menus. */
  readonly label: string;
  /** Human-readable shortcut, e.g. "Delete". */
  readonly shortcut?: string;
  perform(ctx: ActionContext, args: Args): ActionResult;
}
