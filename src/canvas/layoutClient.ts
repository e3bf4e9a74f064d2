import * as Comlink from 'comlink';
import type { LayoutInput, Positions } from './layeredLayout';

type LayoutApi = { layout(input: LayoutInput): Promise<Positions> };

let api: Comlink.Remote<LayoutApi> | null = null;

/** Lays out in the layout worker (started on first use). */
export function layoutInWorker(input: LayoutInput): Promise<Positions> {
  if (!api) {
    const worker = new Worker(new URL('./layout.worker.ts', import.meta.url), {
      type: 'module',
      name: 'layout',
    });
    api = Comlink.wrap<LayoutApi>(worker);
  }
  return api.layout(input);
}
