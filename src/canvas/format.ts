import type { Shape } from '../core/types';

/** "[null, 7, 7, 1280]" → "(None, 7, 7, 1280)" as Keras prints shapes. */
export function formatShape(shape: Shape | null | undefined): string {
  if (!shape) return '?';
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}
